"""A sandboxed Lua 5.1 runtime for Karmada's resource interpreter scripts (lupa).

Karmada runs customization scripts in gopher-lua, a Lua 5.1
(``pkg/resourceinterpreter/customized/declarative/luavm/lua.go``).  This is the same
language through ``lupa.lua51``, an optional dependency (``pip install 'kfedgen[lua]'``)
imported only when a fleet needs a script, so a fleet without one never loads it.

What the script sees follows ``VM.setLib``: the base library without ``dofile``,
``load*``, ``getfenv``/``setfenv``, ``get``/``setmetatable``, ``raw*``, ``module``,
``newproxy`` and ``collectgarbage`` (each raises Karmada's "not supported" error), the
``table``, ``math`` and ``string`` libraries (``string.rep``, ``gsub`` and ``dump``
disabled, as in Karmada's ``string_safe.go``), and ``require`` of the ``kube`` helper
library only (the package library's preload loader).  There is no ``io``, ``debug``,
``coroutine`` and no ``os``: Karmada's safe ``os`` has only ``time`` and ``date``, which
would make a render depend on the clock, so here they raise an error.  ``print`` writes
nothing (kfedgen's stdout is data).  Each call gets a fresh global table, so calls cannot
see each other.

Limits (Karmada: a one-second context per ``RunScript``): every call, loading included,
may use :data:`CPU_SECONDS` of CPU time and the runtime :data:`MAX_MEMORY` bytes; a script
that exceeds either is stopped, even inside its own ``pcall``.  Python objects never reach
the script: values cross as Lua tables, and attribute access to the helpers is refused.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

CPU_SECONDS = 1.0
MAX_MEMORY = 128 * 1024 * 1024
EXTRA = "pip install 'kfedgen[lua]'"

Json = Any
Helper = Callable[..., Json]

# Runs one call: fresh globals, the time limit as a count hook, and pcall/xpcall that
# re-raise once the limit (or memory) is exhausted, so a script cannot swallow them.
_BOOT = r"""
local clock, sethook, loadstring, setfenv = os.clock, debug.sethook, loadstring, setfenv
local pcall, xpcall, error, unpack, type, tostring = pcall, xpcall, error, unpack, type, tostring
local pairs, string, table, math = pairs, string, table, math
local LIMIT = "the script ran longer than its time limit (%s s of CPU time)"
local NOMEM = "not enough memory"
for _, name in pairs({"rep", "gsub", "dump"}) do
  string[name] = function()
    error("The Lua function string." .. name .. " is not supported by Karmada.", 2)
  end
end
local function copy(t) local c = {} for k, v in pairs(t) do c[k] = v end return c end
local blocked = {"collectgarbage", "dofile", "getfenv", "getmetatable", "load", "loadfile",
  "loadstring", "rawequal", "rawget", "rawset", "setfenv", "setmetatable", "module", "newproxy"}
local base = {"assert", "error", "ipairs", "next", "pairs", "select", "tonumber", "tostring",
  "type", "unpack", "_VERSION"}
local function offline(name)
  return function()
    error("os." .. name .. " is not available offline: a render must not depend on the clock", 2)
  end
end
return function(kube, seconds, script, fname, nrets, ...)
  local expired = false
  local function rethrow(ok, ...)
    if expired then error(LIMIT:format(seconds), 0) end
    if not ok and (...) == NOMEM then error(NOMEM, 0) end
    return ok, ...
  end
  local env = {}
  for _, name in pairs(base) do env[name] = _G[name] end
  for _, name in pairs(blocked) do
    env[name] = function()
      error("call function " .. name
        .. " is not supported in karmada customized resourceinterpreter.", 2)
    end
  end
  env.pcall = function(...) return rethrow(pcall(...)) end
  env.xpcall = function(...) return rethrow(xpcall(...)) end
  env.print = function() end
  env.string, env.table, env.math = copy(string), copy(table), copy(math)
  env.os = {time = offline("time"), date = offline("date"), clock = offline("clock")}
  env.package = {loaded = {kube = kube}, preload = {}}
  env.require = function(name)
    if name == "kube" then return kube end
    name = tostring(name)
    error("module '" .. name .. "' not found: no field package.preload['" .. name .. "']", 2)
  end
  env._G = env
  math.randomseed(0)
  local deadline = clock() + seconds
  sethook(function()
    if clock() > deadline then expired = true error(LIMIT:format(seconds), 0) end
  end, "", 1000)
  local function call(...)
    local chunk, err = loadstring(script, "=luaScript")
    if not chunk then error(err, 0) end
    setfenv(chunk, env)
    chunk()
    local f = env[fname]
    if f == nil then error("not found function " .. fname, 0) end
    if type(f) ~= "function" then error(fname .. " is not a function: " .. type(f), 0) end
    return f(...)
  end
  local results = {pcall(call, ...)}
  sethook()
  if expired then return false, LIMIT:format(seconds) end
  if not results[1] then return false, tostring(results[2]) end
  return true, unpack(results, 2, nrets + 1)
end
"""


class LuaUnavailable(Exception):
    """The fleet needs a Lua script but lupa is not installed."""


class ScriptError(Exception):
    """A script failed: a Lua error, a sandbox refusal, the time or memory limit."""


def _deny(obj: object, name: object, is_setting: bool) -> object:
    # lupa calls this for every attribute a script reads or writes on a Python object.
    raise AttributeError("Python objects are not accessible from customization scripts")


class LuaVM:
    """One Lua runtime; :meth:`call` runs a script function in a fresh sandbox."""

    def __init__(self, helpers: Mapping[str, Helper]) -> None:
        try:
            from lupa import lua51  # noqa: PLC0415 - optional, loaded only when a fleet needs it
        except ImportError as exc:
            raise LuaUnavailable(
                f"running Karmada's Lua customizations needs lupa: {EXTRA}"
            ) from exc
        self._lua51 = lua51
        self._runtime = lua51.LuaRuntime(
            unpack_returned_tuples=True,
            register_eval=False,
            register_builtins=False,
            attribute_filter=_deny,
            max_memory=MAX_MEMORY,
        )
        self._runtime.execute("python = nil")
        self._run = self._runtime.execute(_BOOT)
        kube = self._runtime.table()
        for name, helper in helpers.items():
            kube[name] = self._wrap(helper)
        self._kube = kube

    def _wrap(self, helper: Helper) -> Callable[..., Any]:
        def call(*args: Any) -> Any:
            try:
                return self.to_lua(helper(*(self.to_python(a) for a in args)))
            except ScriptError:
                raise
            except (ValueError, TypeError) as exc:  # a helper's refusal is the script's error
                raise ScriptError(str(exc)) from exc

        return call

    def call(self, script: str, function: str, results: int, *args: Json) -> list[Json]:
        """Run ``function`` of ``script`` on ``args`` (JSON); its first ``results`` values."""
        lua_args = [self.to_lua(arg) for arg in args]
        try:
            returned = self._run(self._kube, CPU_SECONDS, script, function, results, *lua_args)
        except self._lua51.LuaMemoryError as exc:
            raise ScriptError(f"the script used more than {MAX_MEMORY >> 20} MiB") from exc
        except self._lua51.LuaError as exc:  # an error raised inside a kube helper
            raise ScriptError(_message(str(exc))) from exc
        returned = returned if isinstance(returned, tuple) else (returned,)
        if not returned[0]:
            message = _message(str(returned[1]))
            if message == "not enough memory":
                message = f"the script used more than {MAX_MEMORY >> 20} MiB"
            raise ScriptError(message)
        values = [self.to_python(value) for value in returned[1 : results + 1]]
        return values + [None] * (results - len(values))

    # -- conversion (lua_convert.go; gopher-json's Encode and Karmada's decodeValue) -------

    def to_lua(self, value: Json) -> Any:
        """JSON to Lua: maps and lists become tables; null values are left out."""
        if isinstance(value, Mapping):
            table = self._runtime.table()
            for key, item in value.items():
                if item is not None:
                    table[str(key)] = self.to_lua(item)
            return table
        if isinstance(value, list | tuple):
            table = self._runtime.table()
            index = 1
            for item in value:  # gopher-lua's Append skips nil: later items move up
                if item is not None:
                    table[index] = self.to_lua(item)
                    index += 1
            return table
        if isinstance(value, bool) or value is None or isinstance(value, str):
            return value
        if isinstance(value, int | float):
            return float(value)  # Lua 5.1 has one number type
        raise ScriptError(f"cannot pass {type(value).__name__} to Lua")

    def to_python(self, value: Any, ancestors: frozenset[str] = frozenset()) -> Json:
        """Lua to JSON as gopher-json encodes it: an empty table is ``[]``, numbers floats.

        A table inside itself cannot be encoded (gopher-json's ``errNested``); lupa's
        ``repr`` of a table names the Lua table itself, whichever wrapper holds it.
        """
        kind = self._lua51.lua_type(value)
        if kind is None:
            if isinstance(value, float) and not math.isfinite(value):
                raise ScriptError(f"json: unsupported value: {value}")
            return value
        if kind != "table":
            raise ScriptError(f"cannot encode {kind} to JSON")
        identity = repr(value)
        if identity in ancestors:
            raise ScriptError("cannot encode recursively nested tables to JSON")
        ancestors = ancestors | {identity}
        items = list(value.items())
        if not items:
            return []
        if isinstance(items[0][0], float | int) and not isinstance(items[0][0], bool):
            result = []
            for expected, (key, item) in enumerate(items, start=1):
                if not isinstance(key, float | int):
                    raise ScriptError("cannot encode mixed or invalid key types")
                if key != expected:
                    raise ScriptError("cannot encode sparse array")
                result.append(self.to_python(item, ancestors))
            return result
        if not all(isinstance(key, str) for key, _ in items):
            raise ScriptError("cannot encode mixed or invalid key types")
        return {key: self.to_python(item, ancestors) for key, item in items}


def _message(text: str) -> str:
    """A Lua error without lupa's prefix; ``luaScript:N:`` names the script's line."""
    return text.removeprefix("error: ").strip()


def json_numbers(value: Json) -> Json:
    """Numbers as Kubernetes decodes the JSON Lua's floats become: integral ones are ints."""
    if isinstance(value, dict):
        return {key: json_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_numbers(item) for item in value]
    if isinstance(value, float) and value.is_integer() and -(2**63) <= value < 2**63:
        return int(value)
    return value


def restore_empty(value: Json, is_struct: bool, references: Sequence[Json]) -> Json:
    """``convertEmptySliceToEmptyStructPartly``: put back the ``{}`` that Lua made ``[]``.

    An empty table encodes as ``[]``; where the same field (array indices left out of the
    path) is an empty map in a reference object it becomes ``{}`` again, where it is an
    empty list there it stays, and otherwise it is removed, as in Karmada.
    """
    if value == []:
        return {} if is_struct else []
    slices: set[tuple[str, ...]] = set()
    structs: set[tuple[str, ...]] = set()
    for reference in references:
        _empty_fields(reference, (), slices, structs)
    return _fix(value, (), slices, structs)


def _empty_fields(
    value: Json, path: tuple[str, ...], slices: set[tuple[str, ...]], structs: set[tuple[str, ...]]
) -> None:
    items = value.items() if isinstance(value, dict) else ((None, v) for v in value)
    for key, item in items:
        here = path if key is None else (*path, key)
        if item == [] and isinstance(item, list):
            slices.add(here)
        elif item == {} and isinstance(item, dict):
            structs.add(here)
        elif isinstance(item, dict | list):
            _empty_fields(item, here, slices, structs)


def _fix(
    value: Json, path: tuple[str, ...], slices: set[tuple[str, ...]], structs: set[tuple[str, ...]]
) -> Json:
    if isinstance(value, dict):
        result: dict[str, Json] = {}
        for key, item in value.items():
            here = (*path, key)
            if item == [] and isinstance(item, list):
                if here in structs:
                    result[key] = {}
                elif here in slices:
                    result[key] = []
                continue
            result[key] = (
                _fix(item, here, slices, structs) if isinstance(item, dict | list) else item
            )
        return result
    fixed: list[Json] = []
    for item in value:
        if item == [] and isinstance(item, list):
            if path in structs:
                fixed.append({})
            elif path in slices:
                fixed.append([])
            continue
        fixed.append(_fix(item, path, slices, structs) if isinstance(item, dict | list) else item)
    return fixed
