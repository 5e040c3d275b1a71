"""The command line: parse options, call the pipeline, map errors to exit codes.

Exit codes: 0 success (or up to date), 1 differences found (``--check``,
``diff``), 2 invalid input, 3 internal error.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import sys
import traceback
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from kfedgen import __version__
from kfedgen.backend.write import settle
from kfedgen.commands.render import run_check, run_render
from kfedgen.errors import InvalidInput, KfedgenError, did_you_mean
from kfedgen.frontends.scope import DEFAULT_NAMESPACE
from kfedgen.inputs import Options, repo_relative
from kfedgen.interrupts import command_scope
from kfedgen.report import FORMATS, Reporter, format_problems
from kfedgen.source.files import DEFAULT_MAX_FILE_BYTES, LoadOptions
from kfedgen.streams import prepare_streams

EXIT_OK, EXIT_DIFFERENT, EXIT_INVALID, EXIT_INTERNAL = 0, 1, 2, 3
# Ctrl-C: 128 + SIGINT, as shells report a process that SIGINT ended (and as
# kfedgen/__main__.py exits when Ctrl-C comes while this module imports).
EXIT_ABORTED = 130
# _lazy_imports: each command other than render imports its module when it runs.
# Start-up is a large part of a small fleet's render (pre-commit runs it on every
# commit), so render does not pay for validate's Kubernetes schemas, say.
BUG_URL = "https://github.com/kfedgen/kfedgen/issues"

F = TypeVar("F", bound=Callable[..., Any])


ERROR_FORMAT_OPTION = click.option(
    "--format",
    "error_format",
    type=click.Choice(FORMATS),
    default="text",
    show_default=True,
    help="How problems and results are printed (github: workflow annotations; "
    "json: one document on stdout).",
)


def fleet_options(command: F) -> F:
    """The options every command that reads the fleet takes."""
    return fleet_input_options(ERROR_FORMAT_OPTION(command))


def fleet_input_options(command: F) -> F:
    """:func:`fleet_options` without ``--format``, for commands whose output has formats.

    The command receives the parsed options as one ``options: Options`` argument.
    """

    @functools.wraps(command)
    def with_options(
        *args: Any,
        fleet: tuple[Path, ...],
        overlays: Path,
        output: Path,
        strict: bool,
        max_file_size: int,
        namespace: str,
        **kwargs: Any,
    ) -> Any:
        options = build_options(fleet, overlays, output, strict, max_file_size)
        options = dataclasses.replace(options, namespace=namespace)
        return command(*args, options=options, **kwargs)

    decorators = [
        click.option(
            "-f",
            "--fleet",
            "fleet",
            multiple=True,
            type=click.Path(path_type=Path),
            help="Fleet file or directory (repeatable). Default: fleet",
        ),
        click.option(
            "--overlays",
            type=click.Path(path_type=Path),
            default=Path("overlays"),
            show_default=True,
            help="Directory of Karmada override policies (skipped if absent).",
        ),
        click.option(
            "-o",
            "--output",
            type=click.Path(path_type=Path),
            default=Path("rendered"),
            show_default=True,
            help="Output directory.",
        ),
        click.option("--strict", is_flag=True, help="Treat warnings as errors."),
        click.option(
            "--max-file-size",
            type=click.IntRange(min=1),
            default=DEFAULT_MAX_FILE_BYTES,
            show_default=True,
            help="Refuse input files larger than this many bytes.",
        ),
        click.option(
            "--namespace",
            default=DEFAULT_NAMESPACE,
            show_default=True,
            help="Namespace of namespaced objects that name none (as kubectl's context).",
        ),
    ]
    wrapped: Any = with_options
    for decorator in reversed(decorators):
        wrapped = decorator(wrapped)
    return wrapped  # type: ignore[no-any-return]


def build_options(
    fleet: tuple[Path, ...], overlays: Path, output: Path, strict: bool, max_file_size: int
) -> Options:
    return Options(
        fleet=fleet or (Path("fleet"),),
        overlays=overlays,
        output=output,
        strict=strict,
        load=LoadOptions(max_file_bytes=max_file_size),
        output_repo_path=repo_relative(output),
    )


class _State:
    debug = False
    # The running command's reporter: an internal error still ends its JSON document.
    report: Reporter | None = None


def _handle_errors(function: F) -> F:
    """Run a command with a :class:`Reporter`, turning kfedgen errors into messages and exit codes.

    The command receives the reporter as ``report``; its style is the command's
    ``--format`` (for commands whose output has formats, ``json`` or ``text``).
    """

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        style = kwargs.pop("error_format", None) or (
            "json" if kwargs.get("output_format") == "json" else "text"
        )
        report = _State.report = Reporter(function.__name__, style)
        try:
            options = kwargs.get("options")
            if isinstance(options, Options):
                # Before anything reads the output: finish a render that was killed
                # while applying its journal, so every command sees the old or new tree.
                settle(options.output)
            return function(*args, report=report, **kwargs)
        except InvalidInput as exc:
            if report.json:
                report.fail(EXIT_INVALID, str(exc), exc.problems)
            else:
                sys.stderr.write(format_problems(exc.problems, style))
            if style != "github":
                sys.stderr.write(f"kfedgen: {exc}; nothing was written\n")
            sys.exit(EXIT_INVALID)
        except KfedgenError as exc:
            report.fail(exc.exit_code, str(exc))
            sys.stderr.write(f"kfedgen: error: {exc}\n")
            sys.exit(exc.exit_code)
        except click.UsageError as exc:
            # Raised by the command itself (--crd without --kube-version): click
            # prints the usage message, and the JSON document says it too.
            report.fail(EXIT_INVALID, exc.format_message())
            raise

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="kfedgen")
@click.option(
    "-C",
    "--chdir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Change to this directory first.",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
def cli(chdir: Path | None, debug: bool) -> None:
    """Compile a KubeFed/Karmada fleet spec into per-cluster GitOps manifests."""
    _State.debug = debug
    if chdir is not None:
        try:
            os.chdir(chdir)
        except OSError as exc:
            raise click.BadParameter(str(exc), param_hint="--chdir") from None


@cli.command()
@fleet_options
@click.option("--check", is_flag=True, help="Compare with the output tree; write nothing.")
@click.option("-v", "--verbose", is_flag=True, help="With --check: print a unified diff.")
@click.option(
    "--exit-code",
    is_flag=True,
    help="Exit 1 when files were written (for pre-commit hooks, like a formatter).",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Read the fleet, and judge the output tree, as staged in git's index (for "
    "pre-commit hooks: what the commit will hold).",
)
@_handle_errors
def render(
    options: Options,
    report: Reporter,
    check: bool,
    verbose: bool,
    exit_code: bool,
    staged: bool,
) -> None:
    """Compile the fleet and write the output tree atomically."""
    if check:
        report.command = "render --check"
        sys.exit(run_check(options, report, verbose, staged))
    sys.exit(run_render(options, report, exit_code, staged))


@cli.command()
@fleet_input_options
@click.option("--base", required=True, metavar="REV", help="The revision to compare with.")
@click.option(
    "--head",
    metavar="REV",
    help="The revision to compare. Default: the work tree, uncommitted changes included.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(("text", "markdown", "json")),
    default="text",
    show_default=True,
    help="text: unified diffs; markdown: a PR comment; json: one document with a summary.",
)
@_handle_errors
def diff(
    options: Options,
    report: Reporter,
    base: str,
    head: str | None,
    output_format: str,
) -> None:
    """Render the fleet at two git revisions and show what each cluster receives."""
    try:
        # GitPython is loaded only here: it costs startup time, and needs git.
        from kfedgen.commands.diff import run_diff  # noqa: PLC0415
    except ImportError as exc:
        raise KfedgenError(f"kfedgen diff needs git: {exc}") from None
    sys.exit(run_diff(options, report, base, head, output_format))


@cli.command()
@fleet_options
@click.option(
    "--kube-version",
    metavar="X.Y",
    help="Also validate every rendered object against this Kubernetes version's schemas.",
)
@click.option(
    "--crd",
    "crd_files",
    multiple=True,
    type=click.Path(path_type=Path),
    help="With --kube-version: a CustomResourceDefinition file (or directory) whose served "
    "versions' schemas check objects of its kind (repeatable).",
)
@click.option(
    "--staged",
    is_flag=True,
    help="Read the fleet as staged in git's index (for pre-commit hooks: what the commit "
    "will hold).",
)
@_handle_errors
def validate(
    options: Options,
    report: Reporter,
    kube_version: str | None,
    crd_files: tuple[Path, ...],
    staged: bool,
) -> None:
    """Load and check the fleet spec (and, with --kube-version, the rendered objects)."""
    if crd_files and kube_version is None:
        raise click.UsageError("--crd needs --kube-version")
    from kfedgen.commands.validate import run_validate  # noqa: PLC0415 - see _lazy_imports

    sys.exit(run_validate(options, report, kube_version, crd_files, staged))


class _DeferredChoice(click.Choice[str]):
    """A ``click.Choice`` whose choices are imported when click first needs them.

    Help and parsing need them; start-up does not (the plan formats live in
    ``views.plan``, which imports the whole pipeline).
    """

    def __init__(self, load: Callable[[], Sequence[str]]) -> None:
        self._load = load
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        return tuple(self._load())

    @choices.setter
    def choices(self, _value: Sequence[str]) -> None:
        """Ignored: ``click.Choice.__init__`` sets the choices it was given (none here)."""


def _plan_formats() -> Sequence[str]:
    from kfedgen.views.plan import PLAN_FORMATS  # noqa: PLC0415 - see _lazy_imports

    return PLAN_FORMATS


@cli.command()
@fleet_input_options
@click.option(
    "--format",
    "output_format",
    type=_DeferredChoice(_plan_formats),
    default="text",
    show_default=True,
    help="text: an aligned table; json: for scripts; markdown: a PR comment.",
)
@_handle_errors
def plan(
    options: Options,
    report: Reporter,
    output_format: str,
) -> None:
    """Print where every federated workload runs, with its replicas there."""
    from kfedgen.commands.plan import run_plan  # noqa: PLC0415 - see _lazy_imports

    sys.exit(run_plan(options, report, output_format))


@cli.command()
@fleet_options
@click.argument("reference", metavar="KIND/NAMESPACE/NAME")
@click.option("--cluster", metavar="CLUSTER", help="Only this cluster.")
@_handle_errors
def explain(
    options: Options,
    report: Reporter,
    reference: str,
    cluster: str | None,
) -> None:
    """Why an object is, or is not, in each cluster (KIND/NAME when cluster-scoped)."""
    from kfedgen.commands.explain import run_explain  # noqa: PLC0415 - see _lazy_imports

    sys.exit(run_explain(options, report, reference, cluster))


def _schema_kind(_ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    from kfedgen.frontends.schema import schema_kind, schema_names  # noqa: PLC0415 - see _lazy_imports

    kind = schema_kind(value)
    if kind is None:
        hint = did_you_mean(value, schema_names())
        raise click.BadParameter(
            f"no schema for kind {value!r}"
            + (f" ({hint})" if hint else "")
            + "; 'kfedgen schema' lists the kinds (a kind a FederatedTypeConfig adds is a "
            "FederatedResource)"
        )
    return kind


@cli.command()
@click.argument("kind", required=False, callback=_schema_kind)
@click.option(
    "--editor",
    is_flag=True,
    help="Print one schema for every fleet document, chosen by apiVersion and kind (for "
    "editors' YAML language servers).",
)
def schema(kind: str | None, editor: bool) -> None:
    """Print the JSON Schema of an input kind (without KIND: list the kinds).

    KIND is case-insensitive; a federated kind (FederatedDeployment) prints the
    FederatedResource schema.
    """
    if editor and kind is not None:
        raise click.UsageError("--editor prints the schema of every kind: give no KIND")
    from kfedgen.commands.schema import run_schema  # noqa: PLC0415 - see _lazy_imports

    click.echo(run_schema(kind, editor), nl=False)


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=Path())
@_handle_errors
def init(directory: Path, report: Reporter) -> None:
    """Scaffold a fleet repository in DIRECTORY (default: here): fleet, overlays, hooks, CI."""
    del report  # init prints no document: it has no --format
    from kfedgen.commands.init import run_init  # noqa: PLC0415 - see _lazy_imports

    for path in run_init(directory):
        click.echo(f"created {path}", err=True)


def main(argv: Sequence[str] | None = None, restore_interrupts: bool = True) -> int:
    """Run one ``kfedgen`` command line; returns the exit code.

    ``restore_interrupts=False`` is for the process entry point (see
    :func:`kfedgen.interrupts.command_scope`).
    """
    prepare_streams()
    _State.report = None
    with command_scope(restore_interrupts), _without_cycle_collection():
        return _main(argv)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one command.

    A run builds a large, acyclic heap (parsed documents, manifests, file
    contents); reference counting frees all of it, and the collector's passes
    over the growing heap found nothing while taking a sixth of a large render.
    The previous state is restored, so in-process callers (the tests) keep theirs.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _main(argv: Sequence[str] | None) -> int:
    try:
        cli.main(
            args=list(argv) if argv is not None else None,
            prog_name="kfedgen",
            standalone_mode=False,
        )
    except click.exceptions.Exit as exc:
        return int(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        return EXIT_INVALID
    except (click.exceptions.Abort, KeyboardInterrupt):
        # click turns a Ctrl-C inside a command into Abort (after a newline on stderr).
        sys.stderr.write("kfedgen: aborted\n")
        return EXIT_ABORTED
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else EXIT_INVALID
    except Exception as exc:
        if isinstance(exc.__cause__, KeyboardInterrupt):
            # Ctrl-C while a module defines a class: Python 3.11 wraps it in a
            # RuntimeError ("Error calling __set_name__"). Still a Ctrl-C.
            sys.stderr.write("kfedgen: aborted\n")
            return EXIT_ABORTED
        if _State.debug:
            traceback.print_exc()
        if _State.report is not None:
            _State.report.fail(EXIT_INTERNAL, f"internal error: {type(exc).__name__}: {exc}")
        sys.stderr.write(
            f"kfedgen: internal error: {type(exc).__name__}: {exc}\n"
            f"This is a bug in kfedgen {__version__}. Please report it at {BUG_URL}"
            " (run again with --debug for the traceback).\n"
        )
        return EXIT_INTERNAL
    return EXIT_OK
