"""Option tables: one row per option, from which both the typer signature and the
fast parser are made, so the two can never disagree.

A row says the option's names, the options field it fills, its default, and how
its text becomes a value (``convert``). Both paths hand the raw text to the same
``Command.build``: typer and click only split the command line, and the fast parser
(``parse_fast``, for ``vcc token``/``vcc call`` in plain forms, without loading typer)
splits it the same way or gives up. This module imports nothing heavy: it is on the
start-up path of a cached ``vcc token``.
"""

from __future__ import annotations

from vcc_cli.errors import UsageError

TYPE_CHECKING = False  # typing itself costs a cached `vcc token` a few milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

FLAG = "flag"  # no value: True when given
VALUE = "value"  # one value; given twice, the last one wins (as click does)
LIST = "list"  # repeatable, every value kept in order


class PipeClosed(Exception):
    """The reader of stdout went away while a command ran under typer, which turns
    an EPIPE OSError into exit 1 before vcc sees it; ``app.invoke`` raises it again
    as the BrokenPipeError it was."""


class Opt:
    """One option: ``names`` as typed (``-s``, ``--scope``), the options field ``dest``
    it fills, and ``convert`` turning its text into the value (raising ValueError with
    the reason); ``default`` when it is not given."""

    __slots__ = ("complete", "convert", "default", "dest", "help", "kind", "metavar", "names", "show_default")

    def __init__(
        self,
        names: Sequence[str],
        dest: str,
        help: str,
        *,
        kind: str = VALUE,
        default: Any = None,
        metavar: str | None = None,
        convert: Callable[[str], Any] | None = None,
        complete: Callable[..., Any] | None = None,
        show_default: bool = True,
    ):
        self.names = tuple(names)
        self.dest = dest
        self.help = help
        self.kind = kind
        self.default = default
        self.metavar = metavar
        self.convert = convert
        self.complete = complete
        self.show_default = show_default

    @property
    def label(self) -> str:
        """How an error names the option: every name, short first (``-s/--scope``)."""
        return "/".join(sorted(self.names, key=len))


class Arg:
    """The positional arguments of a command, as one list (``[METHOD] PATH``)."""

    __slots__ = ("complete", "dest", "help", "metavar")

    def __init__(self, dest: str, metavar: str, help: str, *, complete: Callable[..., Any] | None = None):
        self.dest = dest
        self.metavar = metavar
        self.help = help
        self.complete = complete


class Options:
    """The parsed options of one command, one attribute per table row. Subclasses
    (in ``vcc_cli.commands``) only annotate the fields: the table holds the defaults.
    A plain class rather than a dataclass, which would cost a cached ``vcc token``
    the import of ``dataclasses`` and ``inspect``."""

    def __init__(self, **values: Any):
        self.__dict__.update(values)

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and vars(self) == vars(other)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items())
        return f"{type(self).__name__}({fields})"


class Command:
    """A command's declaration: its table, help, and the ``run(opts, rt)`` it calls.

    ``run`` is looked up when the command runs, so a test can replace it (gh's
    ``runF``) and see exactly the options either parser produced."""

    def __init__(
        self,
        name: str,
        options_class: type[Options],
        run: Callable[[Any, Any], int],
        options: Sequence[Opt],
        *,
        help: str,
        short_help: str,
        panel: str,
        args: Arg | None = None,
        options_first: bool = False,
    ):
        self.name = name
        #: options only before the arguments, as `env` and `sudo` read theirs: everything
        #: from the first argument on is the arguments' (`vcc exec grep -s x` runs grep -s x)
        self.options_first = options_first
        self.options_class = options_class
        self.run = run
        self.options = tuple(options)
        self.args = args
        self.help = help
        self.short_help = short_help
        self.panel = panel
        self.group: str | None = None  # the group it belongs to (`vcc content download`), set by Group
        self._by_name = {name: opt for opt in self.options for name in opt.names}

    @property
    def full_name(self) -> str:
        """The words that run it after ``vcc``: ``token``, ``content download``."""
        return f"{self.group} {self.name}" if self.group else self.name

    @property
    def argv(self) -> list[str]:
        """``full_name`` as command-line words."""
        return self.full_name.split()

    def defaults(self, **values: Any) -> Any:
        """The options with every default, and ``values`` given as parsed values."""
        opts = self.build({})
        opts.__dict__.update(values)
        return opts

    def build(self, raw: dict[str, Any]) -> Any:
        """The options object from raw option text (what the command line said), each
        value converted by its row; a bad value is a usage error naming the option."""
        from vcc_cli.config import require_text

        values: dict[str, Any] = {}
        if self.args is not None:
            given_args = list(raw.get(self.args.dest) or ())
            for value in given_args:
                require_text(value, self.args.metavar.split()[-1])
            values[self.args.dest] = given_args
        for opt in self.options:
            given = raw.get(opt.dest)
            if opt.kind == FLAG:
                values[opt.dest] = bool(given)
            elif opt.kind == LIST:
                values[opt.dest] = [self._convert(opt, v) for v in given or ()]
            else:
                values[opt.dest] = opt.default if given is None else self._convert(opt, given)
        return self.options_class(**values)

    def _convert(self, opt: Opt, text: str) -> Any:
        from vcc_cli.config import require_text

        require_text(text, opt.label)
        if opt.convert is None:
            return text
        try:
            return opt.convert(text)
        except ValueError as exc:
            raise UsageError(f"invalid value for {opt.label}: {exc}", f"see `vcc {self.full_name} --help`") from None

    def parse_fast(self, args: Sequence[str]) -> Any:
        """The options from ``args`` in their plain forms (``-s x``, ``--scope=x``, flags
        apart), or None for anything else (help, ``--``, bundled short options, an
        unknown option, a missing value), which the full command line then parses and
        reports. Values go through ``build`` as typer's do."""
        raw: dict[str, Any] = {}
        positional: list[str] = []
        i = 0
        while i < len(args):
            arg = args[i]
            i += 1
            if not arg.startswith("-") or arg == "-":
                positional.append(arg)
                continue
            name, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
            opt = self._by_name.get(name)
            if opt is None:
                return None
            if opt.kind == FLAG:
                if eq:
                    return None
                raw[opt.dest] = True
                continue
            if not eq:
                if i >= len(args):
                    return None
                value = args[i]
                i += 1
            if opt.kind == LIST:
                raw.setdefault(opt.dest, []).append(value)
            else:
                raw[opt.dest] = value
        if self.args is None:
            if positional:
                return None
        elif not positional:
            return None
        else:
            raw[self.args.dest] = positional
        return self.build(raw)

    def typer_function(self, runtime: Callable[[], Any]) -> Callable[..., None]:
        """A function typer turns into this command: its ``__signature__`` declares
        every row, and it hands what click parsed to ``build`` and ``run``."""
        import inspect

        import typer

        def command(**raw):  # no annotations: typer reads them (get_type_hints), the signature says it all
            try:
                code = self.run(self.build(raw), runtime())
            except BrokenPipeError as exc:  # typer would make it exit 1 itself: main.guarded decides
                raise PipeClosed from exc
            raise typer.Exit(code)

        parameters = []
        if self.args is not None:
            argument = typer.Argument(
                metavar=self.args.metavar,
                help=self.args.help,
                show_default=False,
                autocompletion=self.args.complete,
            )
            parameters.append(
                inspect.Parameter(
                    self.args.dest, inspect.Parameter.KEYWORD_ONLY, default=argument, annotation=list[str]
                )
            )
        for opt in self.options:
            if opt.kind == FLAG:
                default, annotation = typer.Option(False, *opt.names, help=opt.help), bool
            else:
                # A default is handed to click as the text it stands for, so that the
                # help shows it and build() converts it like any given value.
                text = None
                if opt.default is not None and opt.default is not False:
                    text = f"{opt.default:g}" if isinstance(opt.default, float) else str(opt.default)
                bounds = opt.convert.range_text if isinstance(opt.convert, number) else ""
                default = typer.Option(
                    text,
                    *opt.names,
                    metavar=opt.metavar,
                    help=f"{opt.help}  [{bounds}]" if bounds else opt.help,
                    show_default=opt.show_default and text is not None,
                    autocompletion=opt.complete,
                )
                annotation = list[str] | None if opt.kind == LIST else str | None  # type: ignore[assignment]
            parameters.append(
                inspect.Parameter(opt.dest, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation)
            )
        command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        command.__doc__ = self.help
        command.__name__ = self.name
        return command


class Group:
    """Commands under one word (``vcc content download``, ``vcc content delete``):
    its help and panel in ``vcc --help``, and its commands, each told its group."""

    def __init__(self, name: str, commands: Sequence[Command], *, help: str, short_help: str, panel: str):
        self.name = name
        self.commands = tuple(commands)
        self.help = help
        self.short_help = short_help
        self.panel = panel
        for command in self.commands:
            command.group = name


# --------------------------------------------------------------------------- conversions


class number:  # lower case: it reads like the function it replaced, number(0, 10, integer=True)
    """Text to a finite number within [low, high] (an int when ``integer``)."""

    def __init__(self, low: float | None = None, high: float | None = None, *, integer: bool = False, unit: str = ""):
        self.low, self.high, self.integer, self.unit = low, high, integer, unit

    @property
    def range_text(self) -> str:
        """The range as the help says it, in words: ``from 0 to 10``, ``at least 1``."""
        low, high = self.low, self.high
        if low is not None and high is not None:
            return f"from {low:g} to {high:g}"
        return f"at least {low:g}" if low is not None else f"at most {high:g}" if high is not None else ""

    def __call__(self, text: str) -> float | int:
        try:
            value: float | int = int(text) if self.integer else float(text)
        except ValueError:
            kind = "a whole number" if self.integer else "a number"
            raise ValueError(f"{text!r} is not {kind}{self.unit and ' of ' + self.unit}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{text!r} is not a finite number")
        if self.low is not None and value < self.low:
            raise ValueError(f"{text} is below {self.low:g}")
        if self.high is not None and value > self.high:
            raise ValueError(f"{text} is above {self.high:g}")
        return value


def choice(values: Sequence[str]) -> Callable[[str], str]:
    """Text to one of ``values``, in any case."""

    def convert(text: str) -> str:
        lowered = text.lower()
        if lowered not in values:
            raise ValueError(f"{text!r} is not one of {', '.join(values)}")
        return lowered

    return convert
