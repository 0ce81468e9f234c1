"""The timeline picture: a pure scene, drawn as SVG and PNG at a fixed size."""

import io
import math
import random
import xml.etree.ElementTree as ET

from PIL import Image

from libs.media.alignment import LinePlan, LineTiming, plan_alignment
from libs.media.timeline import scene_png, scene_svg
from libs.media.timeline_scene import (
    DUB_LANE,
    HEIGHT,
    RATIO_BANDS,
    WIDTH,
    Rect,
    ratio_colour,
    timeline_key,
    timeline_scene,
)

SVG = "{http://www.w3.org/2000/svg}"


def _programme(lines: int, seconds: float, seed: int) -> list[LinePlan]:
    rng = random.Random(seed)
    timings, at = [], 0.3
    for n in range(lines):
        length = rng.uniform(0.8, 4.0)
        if at + length > seconds:
            break
        timings.append(LineTiming(n, at, at + length, length * rng.uniform(0.7, 1.8), "A"))
        at += length + rng.choice([0.0, 0.3, 1.5])
    return plan_alignment(timings, programme_s=seconds)


def _rects(svg: str, role: str) -> list[ET.Element]:
    root = ET.fromstring(svg)
    return [e for e in root.iter(f"{SVG}rect") if e.get("class") == role]


def test_ten_seconds_one_element_per_line_in_each_lane() -> None:
    plans = _programme(6, 10.0, seed=1)
    curve = [(t / 10, -23.0 + 5 * math.sin(t / 7)) for t in range(100)]
    scene = timeline_scene(plans, 10.0, curve, target_lufs=-23.0, title="fr")
    svg = scene_svg(scene)
    root = ET.fromstring(svg)
    assert (root.get("width"), root.get("height")) == (str(WIDTH), str(HEIGHT))
    dubbed = _rects(svg, "dub")
    assert len(dubbed) == len(_rects(svg, "src")) == len(_rects(svg, "slot")) == len(plans) >= 3
    by_id = {e.get("id"): e for e in dubbed}
    for p in plans:
        assert by_id[f"dub-{p.index}"].get("fill") == ratio_colour(p.ratio)
    assert len(_rects(svg, "overflow")) == sum(p.overflow_s > 0 for p in plans)
    assert len(_rects(svg, "borrowed")) == sum(p.borrowed_s > 0 for p in plans)
    assert len([e for e in root.iter(f"{SVG}polyline") if e.get("class") == "loudness"]) == 1

    image = Image.open(io.BytesIO(scene_png(scene)))
    image.load()
    assert (image.format, image.size) == ("PNG", (WIDTH, HEIGHT))
    # The first dubbed line is painted in its ratio's colour.
    first = min(plans, key=lambda p: p.start)
    rect = next(s for s in scene.shapes if isinstance(s, Rect) and s.ident == f"dub-{first.index}")
    pixel = image.getpixel((int(rect.x + rect.w / 2), DUB_LANE[0] + DUB_LANE[1] // 2))
    assert isinstance(pixel, tuple)
    assert "#" + "".join(f"{int(c):02x}" for c in pixel) == ratio_colour(first.ratio)


def test_an_hour_of_900_lines_keeps_every_line_visible_and_the_curve_small() -> None:
    plans = _programme(900, 3600.0, seed=2)
    curve = [(t / 10, -20.0 - (t % 300) / 10) for t in range(36_000)]
    scene = timeline_scene(plans, 3600.0, curve, target_lufs=-23.0)
    dubbed = [s for s in scene.shapes if isinstance(s, Rect) and s.role == "dub"]
    assert len(dubbed) == len(plans) > 800
    assert all(r.w >= 1.0 and 0 <= r.x <= WIDTH for r in dubbed)
    svg = scene_svg(scene)
    assert len(_rects(svg, "dub")) == len(plans)
    polyline = next(ET.fromstring(svg).iter(f"{SVG}polyline"))
    assert len(polyline.get("points", "").split()) <= WIDTH
    image = Image.open(io.BytesIO(scene_png(scene)))
    assert image.size == (WIDTH, HEIGHT)


def test_no_lines_and_no_curve_still_draw_the_axes() -> None:
    scene = timeline_scene([], 0.0)
    assert not _rects(scene_svg(scene), "dub")
    assert Image.open(io.BytesIO(scene_png(scene))).size == (WIDTH, HEIGHT)


def test_ratio_colours_follow_the_bands_and_the_key_names_them() -> None:
    assert ratio_colour(1.0) == RATIO_BANDS[0][1]
    assert ratio_colour(1.15) == RATIO_BANDS[2][1]
    assert ratio_colour(1.5) == RATIO_BANDS[-1][1]
    key = timeline_key()
    assert key["size"] == [WIDTH, HEIGHT]
    assert [b["colour"] for b in key["dubbed_colour_by_ratio"]] == [c for _, c, _ in RATIO_BANDS]


def test_text_is_escaped_in_the_svg() -> None:
    svg = scene_svg(timeline_scene([], 5.0, title="<fr> & co"))
    assert "&lt;fr&gt; &amp; co" in svg
    ET.fromstring(svg)
