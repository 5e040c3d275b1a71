"""Traffic follows the plan: DNS weights, multi-cluster services, splits and headroom.

Owns the Fleet's ``spec.traffic`` section and what it renders, after every rendered object is
final (overrides applied, server fields stripped), from the same replica counts the clusters
receive:

* :mod:`~kfedgen.traffic.settings` -- :class:`~kfedgen.traffic.settings.TrafficSettings`,
  parsed once where the Fleet is read (a leaf: the model holds its types);
* :mod:`~kfedgen.traffic.apportion` -- integer weights by the largest-remainder method;
* :mod:`~kfedgen.traffic.workloads` -- the rendered workloads per cluster and what a Service
  selects;
* :mod:`~kfedgen.traffic.dns` -- external-dns weighted-routing annotations;
* :mod:`~kfedgen.traffic.mesh` -- Karmada MultiClusterService exports (MCS API or Linkerd)
  and the traffic splits (SMI TrafficSplit, Gateway API HTTPRoute);
* :mod:`~kfedgen.traffic.headroom` -- cluster-overprovisioner placeholders;
* :mod:`~kfedgen.traffic.render` -- the pipeline's one call, :func:`plan_traffic`.

It is a back-end stage: it may import the model, the rendered objects and the feasibility
pod-template reader, never the pipeline or a view.  This ``__init__`` imports nothing.
"""
