"""A printable A4 poster (PNG and PDF): who runs the helpdesk, the guide's title, three short
steps, and a large QR code of the volunteer's link, for a notice board, a market stall or a
clinic desk.

Drawn with Pillow at 150 dpi (1240 x 1754 pixels is A4) in DejaVu Sans, which has every
Vietnamese diacritic (Debian's fonts-dejavu-core; scripts/ensure-report-tools installs it).
The QR code comes from the `qrcode` library, error correction M (15% may be damaged).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont
from qrcode.constants import ERROR_CORRECT_M

from bot.volunteers.card import Shareable, Translate

DPI = 150
A4 = (1240, 1754)
MARGIN = 90
BLUE = (11, 79, 138)
INK = (20, 20, 20)
GREY = (90, 90, 90)
WHITE = (255, 255, 255)
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
QR_MAX = 620


class PosterError(RuntimeError):
    """The poster cannot be drawn (its font is missing)."""


@dataclass(frozen=True, slots=True)
class PosterText:
    """Every word on a poster, already in the poster's language."""

    header: str
    title: str
    steps: tuple[str, ...]
    scan: str
    link: str
    footer: str


def poster_text(
    item: Shareable, link: str, referral: str, operator: str, _: Translate
) -> PosterText:
    """The words of a poster for `item`, whose QR code opens `link`."""
    return PosterText(
        header=operator or _("Helpdesk for Bluezone, NCOVI and QR check-in"),
        title=item.title,
        steps=item.steps,
        scan=_("Scan the code with your phone's camera for step-by-step help"),
        link=link,
        footer=_("Free, no account needed. Volunteer code: {code}").format(code=referral),
    )


def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).exists():
            return ImageFont.truetype(str(folder / name), size)
    raise PosterError(f"{name} is missing: install Debian's fonts-dejavu-core")


def _wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    """Lines of `text` no wider than `width` (a word longer than that is cut by characters)."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width:
            current = candidate
            continue
        if current:
            lines.append(current)
        while draw.textlength(word, font=font) > width:
            cut = next(
                i for i in range(len(word), 0, -1) if draw.textlength(word[:i], font=font) <= width
            )
            lines.append(word[:cut])
            word = word[cut:]
        current = word
    return [*lines, current] if current else lines


def _block(
    draw: ImageDraw.ImageDraw,
    lines: list[str],
    font: ImageFont.FreeTypeFont,
    x: int,
    y: int,
    fill: tuple[int, int, int],
    center: bool = False,
) -> int:
    """Draw lines from `y`; the y below them."""
    height = int(font.size * 4 / 3)
    for line in lines:
        left = (A4[0] - int(draw.textlength(line, font=font))) // 2 if center else x
        draw.text((left, y), line, font=font, fill=fill)
        y += height
    return y


def _qr(link: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=1, border=4)
    code.add_data(link)
    code.make(fit=True)
    image = code.make_image(fill_color="black", back_color="white").get_image().convert("RGB")
    modules = image.size[0]
    scale = max(size // modules, 1)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def poster_image(text: PosterText) -> Image.Image:
    """The poster as an A4 image at 150 dpi."""
    image = Image.new("RGB", A4, WHITE)
    draw = ImageDraw.Draw(image)
    width = A4[0] - 2 * MARGIN
    draw.rectangle((0, 0, A4[0], 150), fill=BLUE)
    header = _font(True, 34)
    _block(draw, _wrap(draw, text.header, header, width)[:2], header, MARGIN, 38, WHITE, True)
    title = _font(True, 62)
    y = _block(draw, _wrap(draw, text.title, title, width), title, MARGIN, 210, INK) + 20
    step_font, number_font = _font(False, 40), _font(True, 40)
    for number, step in enumerate(text.steps, start=1):
        draw.ellipse((MARGIN, y, MARGIN + 64, y + 64), fill=BLUE)
        draw.text((MARGIN + 32, y + 32), str(number), font=number_font, fill=WHITE, anchor="mm")
        lines = _wrap(draw, step, step_font, width - 100)
        y = max(_block(draw, lines, step_font, MARGIN + 100, y + 6, INK), y + 80) + 16
    scan, link, footer = _font(True, 38), _font(False, 26), _font(False, 26)
    scan_lines = _wrap(draw, text.scan, scan, width)
    link_lines = _wrap(draw, text.link, link, width)
    below = (len(scan_lines) * 51) + (len(link_lines) * 35) + 110
    room = A4[1] - y - below - 20
    qr = _qr(text.link, min(QR_MAX, room))
    image.paste(qr, ((A4[0] - qr.size[0]) // 2, y))
    y = _block(draw, scan_lines, scan, MARGIN, y + qr.size[1] + 10, INK, True)
    _block(draw, link_lines, link, MARGIN, y + 4, GREY, True)
    _block(draw, _wrap(draw, text.footer, footer, width), footer, MARGIN, A4[1] - 70, GREY, True)
    return image


def poster_png(text: PosterText) -> bytes:
    """The poster as a PNG file (A4 at 150 dpi)."""
    buffer = io.BytesIO()
    poster_image(text).save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def poster_pdf(text: PosterText) -> bytes:
    """The poster as a one-page A4 PDF."""
    buffer = io.BytesIO()
    poster_image(text).save(buffer, format="PDF", resolution=float(DPI))
    return buffer.getvalue()
