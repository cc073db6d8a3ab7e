"""Citations in the regulation's own form: ``ETG:8.6.3.3`` → 第八條第六項第三款第三目.

The ETG numbers its articles 第N條, then 一、 (項), (一) (款) and 1、 (目); a control id
``ETG:<article>.<項>.<款>.<目>`` reads in Chinese the way the article is cited in a board
paper. CSM control codes (``CSM:CC-17020.b.e``) and the other texts keep their own labels.
"""

from __future__ import annotations

__all__ = ["chinese_number", "cite", "LEVELS"]

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


def _etg_path(path: str, lang: str) -> str:
    parts = path.split(".")
    if lang == "zh-TW":
        if len(parts) > len(LEVELS) or not all(p.isdigit() for p in parts):
            return path
        return "".join(f"第{chinese_number(int(p))}{level}" for p, level in zip(parts, LEVELS))
    head, *rest = parts
    return f"Art. {head}" + ("." + ".".join(rest) if rest else "")


def cite(control: str, lang: str, *, with_title: bool = True) -> str:
    """One control reference as a reader cites it, in ``lang`` (zh-TW or en)."""
    regulation, _, path = control.partition(":")
    title_zh, code = TITLES.get(regulation, (regulation, regulation))
    if regulation == "ETG":
        body = _etg_path(path, lang)
    else:
        body = path.replace(".", " ") if regulation == "CSM" else path
    if lang == "zh-TW":
        if regulation == "ETG":
            return f"{title_zh}{body}" if with_title else body
        return f"{title_zh} {body}" if with_title else body
    return f"{code} {body}"
