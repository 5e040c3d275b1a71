"""The peers the benchmark knows, in the order it runs them."""

from __future__ import annotations

from typing import Final

from bench.peers import kapitan, makeargocdfly
from bench.peers.base import Peer

PEERS: Final[tuple[Peer, ...]] = (makeargocdfly.PEER, kapitan.PEER)
