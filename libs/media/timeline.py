"""Draws a timeline scene as SVG text or as a PNG (Pillow, a few MB at most)."""

import io
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from libs.media.timeline_scene import Label, Polygon, Polyline, Rect, Scene, Segment

if TYPE_CHECKING:
    from PIL import ImageDraw


def scene_svg(scene: Scene) -> str:
    """SVG 1.1 text of the scene; each rectangle carries its role (class), id and a title."""
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{scene.width}" height="{scene.height}"'
        f' viewBox="0 0 {scene.width} {scene.height}" font-family="sans-serif">',
        f'<rect width="100%" height="100%" fill="{scene.background}"/>',
    ]
    for s in scene.shapes:
        if isinstance(s, Rect):
            attrs = f' class="{s.role}"' if s.role else ""
            attrs += f' id="{s.ident}"' if s.ident else ""
            body = f"<title>{escape(s.title)}</title>" if s.title else ""
            out.append(
                f'<rect{attrs} x="{s.x:.2f}" y="{s.y:.2f}" width="{s.w:.2f}" height="{s.h:.2f}"'
                f' fill="{s.fill}">{body}</rect>'
            )
        elif isinstance(s, Segment):
            dash = ' stroke-dasharray="6 4"' if s.dashed else ""
            out.append(
                f'<line x1="{s.x1:.2f}" y1="{s.y1:.2f}" x2="{s.x2:.2f}" y2="{s.y2:.2f}"'
                f' stroke="{s.colour}" stroke-width="{s.width:g}"{dash}/>'
            )
        elif isinstance(s, Polyline):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            out.append(
                f'<polyline class="{s.role}" points="{points}" fill="none"'
                f' stroke="{s.colour}" stroke-width="{s.width:g}"/>'
            )
        elif isinstance(s, Polygon):
            points = " ".join(f"{x:.1f},{y:.1f}" for x, y in s.points)
            out.append(f'<polygon class="{s.role}" points="{points}" fill="{s.fill}"/>')
        else:
            out.append(
                f'<text x="{s.x:.1f}" y="{s.y:.1f}" font-size="{s.size}" fill="{s.colour}"'
                f" text-anchor={quoteattr(s.anchor)}>{escape(s.text)}</text>"
            )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def scene_png(scene: Scene) -> bytes:
    """PNG bytes of the scene at its pixel size (RGB)."""
    # Imported here: Pillow is some 10 MB resident, needed once per language after the render.
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (scene.width, scene.height), scene.background)
    draw = ImageDraw.Draw(image)
    fonts: dict[int, ImageFont.FreeTypeFont | ImageFont.ImageFont] = {}
    for s in scene.shapes:
        if isinstance(s, Rect):
            # Pillow's rectangle includes both corners: one pixel less keeps widths exact.
            draw.rectangle((s.x, s.y, max(s.x, s.x + s.w - 1), s.y + s.h - 1), fill=s.fill)
        elif isinstance(s, Segment):
            if s.dashed:
                _dashed(draw, s)
            else:
                draw.line((s.x1, s.y1, s.x2, s.y2), fill=s.colour, width=max(1, round(s.width)))
        elif isinstance(s, Polyline):
            draw.line(list(s.points), fill=s.colour, width=max(1, round(s.width)), joint="curve")
        elif isinstance(s, Polygon):
            draw.polygon(list(s.points), fill=s.fill)
        elif isinstance(s, Label) and s.text:
            if s.size not in fonts:
                fonts[s.size] = ImageFont.load_default(size=s.size)
            anchor = {"start": "ls", "middle": "ms", "end": "rs"}[s.anchor]
            draw.text((s.x, s.y), s.text, fill=s.colour, font=fonts[s.size], anchor=anchor)
    buffer = io.BytesIO()
    # zlib's fastest level: flat colours compress well anyway (~18 KB), and the mixer draws
    # one picture per language of every job; `optimize` cost ~6x the CPU for 40% fewer bytes.
    image.save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def _dashed(draw: "ImageDraw.ImageDraw", s: Segment) -> None:
    length = max(abs(s.x2 - s.x1), abs(s.y2 - s.y1))
    steps = int(length // 10) + 1
    for n in range(steps):
        a, b = n * 10 / max(length, 1), min(1.0, (n * 10 + 6) / max(length, 1))
        draw.line(
            (
                s.x1 + (s.x2 - s.x1) * a,
                s.y1 + (s.y2 - s.y1) * a,
                s.x1 + (s.x2 - s.x1) * b,
                s.y1 + (s.y2 - s.y1) * b,
            ),
            fill=s.colour,
            width=max(1, round(s.width)),
        )
