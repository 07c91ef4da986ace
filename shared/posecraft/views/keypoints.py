"""BlazePose's 33 landmarks: their indices, names and the skeleton's connections (as in mediapipe)."""
from __future__ import annotations

NAMES = (
    "nose", "left eye (inner)", "left eye", "left eye (outer)", "right eye (inner)", "right eye", "right eye (outer)",
    "left ear", "right ear", "mouth (left)", "mouth (right)", "left shoulder", "right shoulder", "left elbow",
    "right elbow", "left wrist", "right wrist", "left pinky", "right pinky", "left index", "right index",
    "left thumb", "right thumb", "left hip", "right hip", "left knee", "right knee", "left ankle", "right ankle",
    "left heel", "right heel", "left foot index", "right foot index",
)
COUNT = len(NAMES)

NOSE = 0
MOUTH = (9, 10)
LEFT_SHOULDER, RIGHT_SHOULDER = 11, 12
SHOULDERS = (LEFT_SHOULDER, RIGHT_SHOULDER)
LEFT_ARM = (11, 13, 15)  # shoulder, elbow, wrist
RIGHT_ARM = (12, 14, 16)
HIPS = (23, 24)
KNEES = (25, 26)
FEET = (27, 28, 29, 30, 31, 32)  # ankles, heels, foot index

CONNECTIONS = (
    (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
    (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
    (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
    (11, 23), (12, 24), (23, 24), (23, 25), (24, 26), (25, 27), (26, 28),
    (27, 29), (28, 30), (29, 31), (30, 32), (27, 31), (28, 32),
)
