"""Hand-made BlazePose keypoints for the geometry tests: 33 × (x, y, visibility) in image pixels."""
from __future__ import annotations

import math

# An upright person facing the camera, about 1700 px from crown to toes (the person's left is the image's right).
STANDING = {
    0: (600, 220), 1: (615, 205), 2: (625, 205), 3: (635, 205), 4: (585, 205), 5: (575, 205), 6: (565, 205),
    7: (650, 215), 8: (550, 215), 9: (615, 250), 10: (585, 250),
    11: (700, 340), 12: (500, 340), 13: (730, 560), 14: (470, 560), 15: (740, 760), 16: (460, 760),
    17: (745, 790), 18: (455, 790), 19: (740, 800), 20: (460, 800), 21: (730, 780), 22: (470, 780),
    23: (660, 800), 24: (540, 800), 25: (665, 1180), 26: (535, 1180), 27: (670, 1560), 28: (530, 1560),
    29: (665, 1590), 30: (535, 1590), 31: (690, 1620), 32: (510, 1620),
}
STANDING_TORSO = 460.0  # shoulder centre (600, 340) to hip centre (600, 800)


def person(points=STANDING, visibility=0.98, hidden=(), scale=1.0, shift=(0.0, 0.0)):
    """Keypoints from a {index: (x, y)} map; `hidden` indices get visibility 0.05."""
    return [
        (points[i][0] * scale + shift[0], points[i][1] * scale + shift[1], 0.05 if i in hidden else visibility)
        for i in range(33)
    ]


def turned(points, degrees: float, centre=(600.0, 900.0), to=(600.0, 900.0)):
    """The points rotated about `centre` (clockwise on screen for positive degrees), then moved to `to`."""
    a = math.radians(degrees)
    cos, sin = math.cos(a), math.sin(a)
    out = {}
    for i, (x, y) in points.items():
        dx, dy = x - centre[0], y - centre[1]
        out[i] = (to[0] + dx * cos - dy * sin, to[1] + dx * sin + dy * cos)
    return out


def with_points(points, **moved):
    """A copy with some points replaced: with_points(STANDING, p15=(x, y))."""
    out = dict(points)
    for name, xy in moved.items():
        out[int(name[1:])] = xy
    return out


# Seen from the side: the shoulders and hips stack up, the far arm is behind the body (hidden).
SIDEWAYS = with_points(
    STANDING,
    p11=(610, 340), p12=(590, 342), p13=(640, 560), p14=(590, 560), p15=(660, 760), p16=(590, 760),
    p23=(605, 800), p24=(595, 802), p0=(640, 220), p9=(632, 250), p10=(625, 250), p7=(600, 215), p8=(600, 215),
)
SIDEWAYS_HIDDEN = (14, 16, 18, 20, 22, 8)

# Both arms straight up: the wrists above the head.
ARMS_RAISED = with_points(
    STANDING,
    p13=(720, 130), p14=(480, 130), p15=(730, -80), p16=(470, -80),
    p17=(735, -110), p18=(465, -110), p19=(730, -115), p20=(470, -115), p21=(720, -100), p22=(480, -100),
)
ARMS_RAISED_SHIFT = (0.0, 200.0)  # so the hands are inside a 1200 x 2000 frame
