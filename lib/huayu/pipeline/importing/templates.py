"""File-name templates: metadata carried by file names, e.g. ``--pattern "{date}_{place_zh}_{genre}.txt"``.

A template is the file name with ``{field}`` where a value stands; ``{}`` stands for a part to ignore. Each
field matches one or more characters (as few as let the rest of the name match), the rest of the template
literally. A template that names a suffix (``….txt``) must match the whole file name; one without
(``{place_zh}_{date}``) matches the name without its suffix, so it applies to ``.txt``, ``.docx`` and
``.pdf`` alike. A template with ``/`` matches the path below the source folder
(``{province}/{date}_{place_zh}.txt``). Field names are metadata columns (``date``, ``place_zh``, ``genre`` …)
or any other name, which becomes a column of its own (``--map`` renames it).

``2026_北京市_政府工作报告.txt`` with ``{date}_{place_zh}_{genre}.txt`` → date 2026, place_zh 北京市, genre
政府工作报告 (read as ``work_report``, its label in ``genres.csv``); ``海拉尔区_2017.txt`` with
``{place_zh}_{date}`` → place_zh 海拉尔区, date 2017.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from pathlib import PurePosixPath

from huayu.errors import ParameterError

_FIELD_NAME = re.compile(r"[A-Za-z_\u4e00-\u9fff][A-Za-z0-9_\u4e00-\u9fff]*")


@dataclass(frozen=True)
class FileNameTemplate:
    pattern: str
    regex: re.Pattern
    fields: tuple[str, ...]
    whole_name: bool
    by_path: bool

    @classmethod
    def parse(cls, pattern: str) -> FileNameTemplate:
        """Compile ``pattern``; a malformed one raises :class:`ParameterError` naming ``--pattern``."""
        if not pattern or not pattern.strip():
            raise ParameterError("--pattern is empty: give a file-name template such as {date}_{place_zh}.txt")
        try:
            parts = list(string.Formatter().parse(pattern))
        except ValueError as exc:
            raise ParameterError(f"--pattern {pattern!r}: {exc} (write literal braces as {{{{ and }}}})") from None
        regex, fields = "", []
        for i, (literal, name, spec, conversion) in enumerate(parts):
            regex += re.escape(literal)
            if name is None:
                continue
            if spec or conversion:
                raise ParameterError(f"--pattern {pattern!r}: field {{{name}}} may not carry a format "
                                     "(':' or '!'); write {name} only")
            if name == "":
                regex += r"[^/]+?"
                continue
            if not _FIELD_NAME.fullmatch(name):
                raise ParameterError(f"--pattern {pattern!r}: {{{name}}} is not a field name (letters, digits, _)")
            if name in fields:
                raise ParameterError(f"--pattern {pattern!r}: field {{{name}}} appears twice")
            if i > 0 and parts[i - 1][1] is not None and not literal:
                raise ParameterError(f"--pattern {pattern!r}: fields {{{parts[i - 1][1]}}} and {{{name}}} need a "
                                     "separator between them (e.g. _), or the name cannot be split")
            fields.append(name)
            regex += rf"(?P<{name}>[^/]+?)"
        if not fields:
            raise ParameterError(f"--pattern {pattern!r} names no field: write e.g. {{date}}_{{place_zh}}.txt")
        last = PurePosixPath(pattern).name
        tail = last.rsplit("}", 1)[-1]
        whole_name = "." in tail
        return cls(pattern, re.compile(regex), tuple(fields), whole_name, "/" in pattern)

    def match(self, relative_path: str) -> dict[str, str] | None:
        """The fields of ``relative_path`` (POSIX, below the source folder), or ``None`` when it does not match."""
        path = PurePosixPath(relative_path)
        subject = str(path) if self.by_path else path.name
        if not self.whole_name:
            subject = str(path.with_suffix("")) if self.by_path else path.stem
        found = self.regex.fullmatch(subject)
        if found is None:
            return None
        return {k: v.strip() for k, v in found.groupdict().items()}

    def describe(self) -> str:
        what = "the path below the source folder" if self.by_path else "the file name"
        return f"{what}{'' if self.whole_name else ' without its suffix'} must read {self.pattern!r}"
