r"""Make untrusted text safe for each output: the one place every reporter escapes log content.

Run names, tags, column names, file and directory names and reading
diagnostics all come from logs, which in CI are artifacts of strangers' pull
requests. Each function here answers for one kind of sink:

* :func:`printable`: terminals and CI logs. C0/C1 controls (ESC, BEL, CR, the
  one-byte CSI ``\x9b``), the bidi overrides of "Trojan Source", line and
  paragraph separators and lone surrogates are shown as Python escapes
  (``\x1b``), so no escape sequence (colours, screen clears, OSC 8 links,
  window titles) reaches the terminal and what was in the log stays visible.
* :func:`one_line`: the same on a single line, for stderr messages and
  single-line fields (a newline in a file name must not forge a second line).
* :func:`xml_safe`: XML 1.0 text; drops the characters XML forbids (the
  serializer escapes ``&``, ``<``, ``>`` and quotes, so ``]]>`` is harmless).
* :func:`spreadsheet_cell`: CSV cells a spreadsheet opens, neutralised
  against formula injection as OWASP recommends.

GitHub workflow commands (``report.github``) and Markdown (``report.markdown``)
have their own grammar-specific escaping on top of :func:`printable`; JSON,
SARIF and GitLab output is produced by :mod:`json`, which escapes everything.
"""

from __future__ import annotations

import re

#: C0 and C1 controls (newline and tab excepted), the bidi controls of "Trojan Source",
#: U+2028/U+2029 (line breaks to some terminals and editors) and lone surrogates.
_UNPRINTABLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")

#: Characters XML 1.0 does not allow in a document at all.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

#: Cell starts a spreadsheet reads as a formula (or that can turn into one): OWASP's list.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def printable(text: str) -> str:
    r"""``text`` safe to print on a terminal or CI log: control characters shown as escapes.

    Newlines and tabs are kept, because reporters pass whole multi-line blocks
    through here; a *name* must go through :func:`one_line` instead, or a
    ``\n::warning::`` in it would start a line GitHub Actions reads as a
    workflow command even in plain-text output.
    """
    return _UNPRINTABLE.sub(_escape, text.replace("\r\n", "\n"))


def one_line(text: str) -> str:
    """:func:`printable` with newlines and tabs escaped too: always exactly one line."""
    return printable(text).replace("\n", "\\n").replace("\t", "\\t")


def xml_safe(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 forbids (NUL, most C0 controls, lone surrogates)."""
    return _XML_ILLEGAL.sub("", text)


def spreadsheet_cell(text: str) -> str:
    """A text cell that Excel, LibreOffice and Sheets show as text, never evaluate.

    A cell starting with ``=``, ``+``, ``-``, ``@``, tab, CR or LF is prefixed
    with a single quote (OWASP, "CSV Injection"); the CSV writer then quotes
    it as needed. Only text columns go through here: a number such as ``-0.5``
    must stay a number.
    """
    return "'" + text if text.startswith(_FORMULA_START) else text


def _escape(match: re.Match[str]) -> str:
    r"""The Python escape of one character (``\x1b``, ``\u202e``, ``\ud800``)."""
    char = match.group()
    return repr(char)[1:-1] if len(repr(char)) > 3 else f"\\x{ord(char):02x}"
