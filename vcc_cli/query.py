"""``vcc call --query EXPR``: JMESPath over the JSON result.

jmespath is imported inside the functions, so ``vcc token`` never loads it.
"""

from __future__ import annotations

from vcc_cli.errors import UsageError

SYNTAX_URL = "https://jmespath.org/specification.html"
_TOO_DEEP_HINT = "write it with fewer levels of nesting, or filter further with jq"


def compile_query(expression: str):
    """The compiled expression; an invalid one is a usage error that says where it breaks."""
    import jmespath
    from jmespath import exceptions

    try:
        return jmespath.compile(expression)
    except RecursionError:  # jmespath's parser recurses once per level of nesting
        raise UsageError("--query is nested too deeply to read", _TOO_DEEP_HINT) from None
    except exceptions.EmptyExpressionError:
        raise UsageError("--query is empty", "give a JMESPath expression, e.g. --query 'items[].username'") from None
    except exceptions.ParseError as exc:  # LexerError and IncompleteExpressionError are ParseErrors
        position = exc.lex_position if isinstance(exc.lex_position, int) else len(expression)
        position = max(0, min(position, len(expression)))
        if isinstance(exc, exceptions.IncompleteExpressionError):
            reason = "the expression ends too early"
        elif isinstance(exc, exceptions.LexerError):
            reason = str(getattr(exc, "message", "") or "the expression cannot be read").strip()
        else:
            reason = exc.msg if exc.msg != "invalid token" else f"unexpected {exc.token_value!r}"
            if exc.msg.startswith("Unexpected token"):
                reason = f"unexpected {exc.token_value!r}"
        raise UsageError(
            f"invalid --query at column {position + 1}: {reason}",
            f"it breaks here: {expression[:position]} <-- {expression[position:]}  (syntax: {SYNTAX_URL})".rstrip(),
        ) from None


def apply_query(compiled, document: object) -> object:
    """The expression's result over ``document``; a type or function error is a usage error."""
    from jmespath import exceptions

    try:
        return compiled.search(document)
    except RecursionError:  # the interpreter recurses once per level of the expression
        raise UsageError("--query is nested too deeply to evaluate", _TOO_DEEP_HINT) from None
    except exceptions.JMESPathError as exc:
        text = " ".join(str(exc).split())
        raise UsageError(
            f"--query failed on this answer: {text}", "check the expression against the JSON the API returns"
        ) from None
