"""Checks and adjustments of a laid-out WeasyPrint document, page by page (``PdfRenderer.layout`` runs
them): Chinese lines justified, no signature or seal block alone on a page, and every printed character
in a font of its role."""
from __future__ import annotations

import copy

# A signature or seal block (class "signoff", or the older names below, in the templates: 签字盖章栏, 审定意见, 落款, 回执) is
# never printed on a page without the data it signs for: a seal on an empty page is refused.
SIGNOFF = frozenset({"signoff", "signature", "boxes", "receipt", "sign", "seal"})


LAYOUT_NOTE = "版面："  # prefix of the layout check's findings among a layout's warnings


# What a page may carry besides the data without counting as data: titles, repeated table heads,
# the running head of a continuation page, the meta line; the page's margin boxes are not looked at.
_FURNITURE_TAGS = frozenset({"thead", "h1", "head", "style", "title"})


_FURNITURE_CLASSES = frozenset({"meta", "subtitle", "running-head", "bookmark", "watermark", "provenance"})


def signoff_alone(pages) -> list[str]:
    """Findings (``LAYOUT_NOTE`` …) for each page that carries a signature or seal block and no data.

    ``pages``: WeasyPrint's laid-out pages. The person a page belongs to (the last ``data-bookmark``
    seen) is named, so that a form in a 10-person document is found.
    """
    from weasyprint.formatting_structure import boxes
    findings, person = [], ""
    for number, page in enumerate(pages, 1):
        seen = {"data": False, "sign": False}

        def walk(box, signing: bool, seen: dict = seen) -> None:  # called in this iteration only
            nonlocal person
            if isinstance(box, boxes.MarginBox):
                return
            element = getattr(box, "element", None)
            classes = set((element.get("class") or "").split()) if element is not None else set()
            if element is not None and element.get("data-bookmark"):
                person = element.get("data-bookmark")
            if box.element_tag in _FURNITURE_TAGS or classes & _FURNITURE_CLASSES:
                return
            signing = signing or bool(SIGNOFF & classes)
            if isinstance(box, boxes.TextBox) and box.text.strip():
                seen["sign" if signing else "data"] = True
            for child in getattr(box, "children", ()):
                walk(child, signing, seen)

        walk(page._page_box, False)
        if seen["sign"] and not seen["data"]:
            who = f"（{person}）" if person else ""
            findings.append(f"{LAYOUT_NOTE}第 {number} 页{who}只有签字盖章栏，没有所签的内容；"
                            "签字盖章栏须与表格内容同页，请检查模板的分页规则（break-before: avoid）")
    return findings


def justify_lines(pages) -> None:
    """Justify Chinese text to both edges: each line of a ``text-align: justify`` block but its last (and
    but a line ended by ``<br>``) gets the letter spacing that makes it end at the block's right edge.

    WeasyPrint justifies by widening spaces only, and Chinese text has none: without this, lines stop
    short wherever a half-width character or a punctuation rule (no "，" at a line's start) leaves a gap.
    """
    from weasyprint.formatting_structure import boxes

    def text_boxes(box, out):
        """The line's text boxes; None when it holds an atomic box (an inline-block, an image), which
        would not move along with the letters."""
        if isinstance(box, boxes.TextBox):
            out.append(box)
        elif isinstance(box, boxes.AtomicInlineLevelBox):
            return None
        for child in getattr(box, "children", ()):
            if text_boxes(child, out) is None:
                return None
        return out

    def blocks(box):
        children = getattr(box, "children", ())
        if isinstance(box, boxes.BlockContainerBox) and any(isinstance(c, boxes.LineBox) for c in children):
            yield box
        for child in children:
            if not isinstance(child, boxes.LineBox):
                yield from blocks(child)

    for page in pages:
        for block in blocks(page._page_box):
            if block.style["text_align_all"] != "justify":
                continue
            right = block.content_box_x() + block.width
            lines = [c for c in block.children if isinstance(c, boxes.LineBox)]
            for line in lines[:-1]:
                texts = text_boxes(line, [])
                if not texts or texts[-1].text.endswith("\n") or _ends_with_break(line):
                    continue
                extra = right - max(t.position_x + t.width for t in texts)
                count = sum(len(t.text) for t in texts)
                if count < 2 or not 0 < extra <= 6 * texts[-1].style["font_size"]:  # a gap of more: a line broken by hand
                    continue
                delta, shift = extra / (count - 1), 0.0
                for box in texts:
                    style = copy.copy(box.style)
                    spacing = style["letter_spacing"]
                    style["letter_spacing"] = (0 if spacing == "normal" else spacing) + delta
                    box.style = style
                    box.position_x += shift
                    box.width += len(box.text) * delta
                    shift += len(box.text) * delta


def _ends_with_break(line) -> bool:
    """Whether a line box ends with a forced break (``<br>``): such a line is a last line, never justified."""
    last = line
    while getattr(last, "children", None):
        last = last.children[-1]
    return getattr(last, "element_tag", "") == "br"


GLYPH_NOTE = "缺字："  # prefix of the per-role glyph check's findings among a layout's warnings


def missing_in_role(pages) -> list[str]:
    """Findings (``GLYPH_NOTE`` …) for each character printed in a font list (a role's family and the
    fallback the policy declares) that has no glyph for it: the renderer would take it from some other
    installed face (a 黑体 in a 仿宋 name). Names the page, the person and the text around it."""
    from weasyprint.formatting_structure import boxes

    from kaohe_docs.render.fonts import covered, stack_ranges
    findings, person, seen = [], "", set()
    for number, page in enumerate(pages, 1):
        stack = [page._page_box]
        while stack:
            box = stack.pop()
            element = getattr(box, "element", None)
            if element is not None and element.get("data-bookmark"):
                person = element.get("data-bookmark")
            if isinstance(box, boxes.TextBox):
                families = tuple(box.style["font_family"])
                ranges = stack_ranges(families)
                for at, char in enumerate(box.text):
                    if (char, families) in seen or covered(ranges, char) or not char.strip():
                        continue
                    seen.add((char, families))
                    who = f"（{person}）" if person else ""
                    around = box.text[max(0, at - 6): at + 6].strip()
                    findings.append(f"{GLYPH_NOTE}第 {number} 页{who}“{char}”（U+{ord(char):04X}，见“{around}”）"
                                    f"在字体“{'、'.join(families)}”中没有，会用别的字体印出；请在 policy/policy.yaml 的 "
                                    "fonts 中换用包含该字的字体，或在 fonts.fallback 中声明补字字体")
            stack.extend(reversed(getattr(box, "children", ())))
    return findings
