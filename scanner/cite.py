"""Citations in the regulation's own form: ``ETG:8.6.3.3`` → 第八條第六項第三款第三目.

The ETG numbers its articles 第N條, then 一、 (項), (一) (款) and 1、 (目); a control id
``ETG:<article>.<項>.<款>.<目>`` reads in Chinese the way the article is cited in a board
paper. CSM control codes (``CSM:CC-17020.b.e``) and the other texts keep their own labels.
"""

from __future__ import annotations

__all__ = ["chinese_number", "cite", "cite_list", "LEVELS"]

LEVELS = ("條", "項", "款", "目")
_DIGITS = "零一二三四五六七八九"
TITLES = {
    "ETG": ("新興科技資通安全管控指引", "ETG"),
    "CSM": ("建立證券商資通安全檢查機制", "CSM"),
    "SRR": ("新興科技資通安全自律規範", "SRR"),
    "DSG": ("證券商提供數位服務作業指引", "DSG"),
    "WFH": ("證券商因應嚴重特殊傳染病申請居家辦公指引", "WFH"),
}


def chinese_number(n: int) -> str:
    """1 → 一, 10 → 十, 14 → 十四, 20 → 二十, 54 → 五十四, 100 → 一百."""
    if n <= 0 or n >= 1000:
        raise ValueError(f"no Chinese numeral for {n}")
    hundreds, rest = divmod(n, 100)
    tens, ones = divmod(rest, 10)
    out = ""
    if hundreds:
        out += _DIGITS[hundreds] + "百"
        if rest and tens == 0:
            out += "零"
    if tens:
        out += ("" if tens == 1 and not hundreds else _DIGITS[tens]) + "十"
    if ones:
        out += _DIGITS[ones]
    return out


_CAPITAL = "零壹貳參肆伍陸柒捌玖拾"


def _article_path(path: str, lang: str) -> str:
    """ETG (and SRR) 8.6.3.3 → 第八條第六項第三款第三目; SRR's unnumbered paragraphs 9.p9 → 第九條第九項."""
    parts = path.split(".")
    if lang != "zh-TW":
        head, *rest = parts
        if len(rest) == 1 and rest[0].startswith("p") and rest[0][1:].isdigit():
            return f"Art. {head} para. {rest[0][1:]}"
        return f"Art. {head}" + ("." + ".".join(rest) if rest else "")
    if len(parts) == 2 and parts[1].startswith("p") and parts[1][1:].isdigit() and parts[0].isdigit():
        return f"第{chinese_number(int(parts[0]))}條第{chinese_number(int(parts[1][1:]))}項"
    if len(parts) > len(LEVELS) or not all(p.isdigit() for p in parts):
        return path
    return "".join(f"第{chinese_number(int(p))}{level}" for p, level in zip(parts, LEVELS[: len(parts)], strict=True))


def _csm_path(path: str) -> str:
    """CC-17020.b.e → CC-17020 b(e); CC-18000.4.c → CC-18000 (4)c: the inspection checklist's own labels."""
    code, *rest = path.split(".")
    if not rest:
        return code
    first, *more = rest
    text = f"({first})" if first.isdigit() else first
    text += "".join(f"({m})" if not first.isdigit() else m for m in more)
    return f"{code} {text}"


def _wfh_path(path: str, lang: str) -> str:
    """2.2.7.1 → 貳、二、(七)1 (the guideline's own 壹/一、/(一)/1 levels)."""
    parts = path.split(".")
    if lang != "zh-TW" or not all(p.isdigit() and 0 < int(p) <= 10 for p in parts[:1]) or not all(p.isdigit() for p in parts):
        return path
    out = _CAPITAL[int(parts[0])] + "、"
    if len(parts) > 1:
        out += chinese_number(int(parts[1])) + "、"
    if len(parts) > 2:
        out += f"({chinese_number(int(parts[2]))})"
    if len(parts) > 3:
        out += ".".join(parts[3:])
    return out.rstrip("、")


def _path(regulation: str, path: str, lang: str) -> str:
    if regulation in ("ETG", "SRR"):
        return _article_path(path, lang)
    if regulation == "CSM":
        return _csm_path(path)
    if regulation == "WFH":
        return _wfh_path(path, lang)
    return path


def cite(control: str, lang: str, *, with_title: bool = True) -> str:
    """One control reference as a reader cites it, in ``lang`` (zh-TW or en)."""
    regulation, _, path = control.partition(":")
    title_zh, code = TITLES.get(regulation, (regulation, regulation))
    body = _path(regulation, path, lang)
    if lang != "zh-TW":
        return f"{code} {body}"
    if not with_title:
        return body
    joiner = "" if body.startswith("第") else " "
    return f"{title_zh}{joiner}{body}"


def cite_list(controls: list[str] | tuple[str, ...], lang: str) -> str:
    """Several references, each regulation named once: 新興科技資通安全管控指引第八條第一項第一款、第八條第七項第三款；…"""
    by_reg: dict[str, list[str]] = {}
    for c in controls:
        regulation, _, path = c.partition(":")
        by_reg.setdefault(regulation, []).append(_path(regulation, path, lang))
    parts = []
    for regulation, bodies in by_reg.items():
        title_zh, code = TITLES.get(regulation, (regulation, regulation))
        if lang == "zh-TW":
            joiner = "" if bodies[0].startswith("第") else " "
            parts.append(f"{title_zh}{joiner}" + "、".join(bodies))
        else:
            parts.append(f"{code} " + ", ".join(b.removeprefix("Art. ") if i else b for i, b in enumerate(bodies)))
    return ("；" if lang == "zh-TW" else "; ").join(parts)
