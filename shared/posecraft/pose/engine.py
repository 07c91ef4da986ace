"""The pose engine: both BlazePose models loaded once per process, run on one image, one result.

`get_engine(settings)` returns a cached engine per (models folder, model, runtime, threads). Interpreters
hold their tensors between set and get, so `estimate` runs one image at a time per engine (a lock).
"""
from __future__ import annotations

import dataclasses
import functools
import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from PIL import Image

from posecraft.config import Settings
from posecraft.errors import NoPersonFound
from posecraft.pose import detector, landmarks, subject
from posecraft.pose.models import model_paths
from posecraft.pose.runtimes import load_interpreter

MIN_PRESENCE = 0.5  # mediapipe's min_tracking_confidence default: below it the landmarks are not a person
# People the landmark model looks at before the subject is chosen: the most prominent detections.
MAX_CANDIDATES = 3

Keypoint = tuple[float, float, float]


@dataclass(frozen=True)
class PoseResult:
    people: int  # persons found by the detector passes (after non-max suppression; one found twice counts once)
    keypoints: tuple[Keypoint, ...]  # 33 x (x, y, visibility) in pixels of the image given
    presence: float  # the landmark model's confidence that its crop holds a person
    ambiguous: bool = False  # another person scored within 15 % of this one: the photo may be about either
    mask: landmarks.PersonMask | None = None  # the same person's segmentation

    def scaled(self, scale_x: float, scale_y: float) -> PoseResult:
        """The same result in another image's pixels (pose-input pixels -> full-image pixels)."""
        keypoints = tuple((x * scale_x, y * scale_y, vis) for x, y, vis in self.keypoints)
        mask = self.mask.scaled(scale_x, scale_y) if self.mask is not None else None
        return dataclasses.replace(self, keypoints=keypoints, mask=mask)


def prominence_order(detections: list[detector.Detection], image_size: tuple[int, int]) -> list[int]:
    """Indices of `detections`, most prominent first.

    Prominence = body radius (relative to the image) x detector score x a centre weight that takes off
    up to a quarter for a body far from the image centre. Size comes first; the score keeps a person
    half cut off by the frame (big, but a weak detection) from winning over a whole one.
    """
    width, height = image_size
    half_diagonal = math.hypot(width, height) / 2

    def prominence(i: int) -> float:
        det = detections[i]
        off_centre = math.hypot(det.body_centre[0] - width / 2, det.body_centre[1] - height / 2) / half_diagonal
        return det.body_radius / half_diagonal * det.score * (1.0 - 0.25 * min(off_centre, 1.0))

    return sorted(range(len(detections)), key=prominence, reverse=True)


class PoseEngine:
    def __init__(self, settings: Settings):
        detector_path, landmark_path = model_paths(settings)
        threads = settings.pose_threads
        self._detector = load_interpreter(settings.pose_runtime, str(detector_path), threads)
        self._landmarker = load_interpreter(settings.pose_runtime, str(landmark_path), threads)
        self._det_input = self._detector.get_input_details()[0]["index"]
        det_out = {o["name"]: o["index"] for o in self._detector.get_output_details()}
        self._det_boxes, self._det_scores = det_out["Identity"], det_out["Identity_1"]
        self._lmk_input = self._landmarker.get_input_details()[0]["index"]
        lmk_out = {o["name"]: o["index"] for o in self._landmarker.get_output_details()}
        # Identity: 39x5 landmarks, Identity_1: presence probability, Identity_2: 256x256 segmentation logits,
        # Identity_3: 64x64x39 heatmap.
        self._lmk_points, self._lmk_flag, self._lmk_segmentation, self._lmk_heatmap = (
            lmk_out["Identity"], lmk_out["Identity_1"], lmk_out["Identity_2"], lmk_out["Identity_3"]
        )
        self._crop = landmarks.CropSampler()  # its working arrays are reused: used under the lock only
        self._lock = threading.Lock()
        self._second_pass = ThreadPoolExecutor(max_workers=1, thread_name_prefix="posecraft-detector")

    def run_detector(self, model_input: np.ndarray, image_size: tuple[int, int]) -> list[detector.Detection]:
        self._detector.set_tensor(self._det_input, model_input)
        return self._detect(image_size)

    def _detect(self, image_size: tuple[int, int]) -> list[detector.Detection]:
        """Runs the detector on the input already in its tensor."""
        self._detector.invoke()
        raw = self._detector.get_tensor(self._det_boxes)[0]
        logits = self._detector.get_tensor(self._det_scores)[0, :, 0]
        return detector.decode(raw, logits, image_size)

    def _count_pass(self, found: list[detector.Detection], image_size: tuple[int, int]) -> list[detector.Detection]:
        """The detector again on its last input with the people `found` blanked out (in place)."""
        model_input = self._detector.tensor(self._det_input)()
        detector.blank_people(model_input, found, image_size, out=model_input)
        del model_input
        return self._detect(image_size)

    def landmarks(
        self, rgbx: np.ndarray, roi: landmarks.Roi, meanwhile=None
    ) -> tuple[np.ndarray, float, landmarks.PersonMask]:
        """Keypoints, presence and mask in the ROI; `meanwhile()`, if given, is called between the crop and the model."""
        # The crop is written straight into the interpreter's input tensor (no array to allocate and copy);
        # the view must be gone before invoke, which refuses to run while one is held.
        model_input = self._landmarker.tensor(self._lmk_input)()
        self._crop(rgbx, roi, model_input[0])
        del model_input
        if meanwhile is not None:
            meanwhile()
        self._landmarker.invoke()
        raw = self._landmarker.get_tensor(self._lmk_points)[0]
        presence = float(self._landmarker.get_tensor(self._lmk_flag)[0, 0])  # already a probability
        heatmap = self._landmarker.get_tensor(self._lmk_heatmap)[0]
        mask = landmarks.decode_segmentation(self._landmarker.get_tensor(self._lmk_segmentation)[0], roi)
        return landmarks.decode(raw, heatmap, roi), presence, mask

    def estimate(self, image: Image.Image) -> PoseResult:
        """Keypoints of the person the photo is about, in an RGB image; NoPersonFound when there is none.

        People: the detector reports the most salient person and seldom a second one beside it, so when it
        finds one, a second pass runs with that person blanked out, on another thread while the landmark
        model runs (each interpreter releases the GIL). The count tells one person from several: three or
        more may be counted as two. Candidates: the detections, the first pass's most prominent first, then the
        second pass's; the landmark model looks at them until MAX_CANDIDATES are taken for a person (presence
        >= 0.5), and the subject is chosen from their landmarks (`subject.choose_subject`). With one person
        found, the landmark model runs once, as it would without a choice to make.
        """
        if image.mode != "RGB":
            image = image.convert("RGB")
        rgbx = landmarks.rgbx_pixels(image)
        with self._lock:
            # Both passes' inputs are made in the detector's input tensor (the second pass, on the other
            # thread, blanks the first's input where it is); each view is dropped before invoke, which
            # refuses to run while one is held.
            model_input = self._detector.tensor(self._det_input)()
            detector.letterbox_input(image, out=model_input)
            del model_input
            first = self._detect(image.size)
            if not first:
                raise NoPersonFound()
            second_pass = []

            def start_second_pass():
                # Started once the first landmark crop is made: its Python and Pillow parts then overlap the
                # landmark model (no GIL needed) rather than the crop's numpy passes (~1 ms, measured).
                second_pass.append(self._second_pass.submit(self._count_pass, first, image.size))

            ordered = [first[i] for i in prominence_order(first, image.size)]
            try:
                looked = [self._look(rgbx, ordered[0], start_second_pass if len(first) == 1 else None)]
            finally:  # the detector must be idle before the lock is released
                second = second_pass[0].result() if second_pass else []
            for candidate in ordered[1:] + [second[i] for i in prominence_order(second, image.size)]:
                if sum(person.presence >= MIN_PRESENCE for person in looked) == MAX_CANDIDATES:
                    break
                looked.append(self._look(rgbx, candidate))
        people = [person for person in looked if person.presence >= MIN_PRESENCE]
        if not people:
            raise NoPersonFound()
        choice = subject.choose_subject(people, image.size)
        chosen = people[choice.index]
        keypoints = tuple((float(x), float(y), float(vis)) for x, y, vis in chosen.keypoints)
        return PoseResult(len(first) + len(second) - choice.repeats, keypoints, chosen.presence, choice.ambiguous,
                          chosen.mask)

    def _look(self, rgbx: np.ndarray, detection: detector.Detection, meanwhile=None) -> subject.Candidate:
        """The landmark model on one detection; `meanwhile()`, if given, runs between the crop and the model."""
        points, presence, mask = self.landmarks(rgbx, landmarks.roi_from_detection(detection), meanwhile)
        return subject.Candidate(points, detection.score, presence, mask)


@functools.lru_cache(maxsize=8)
def _cached_engine(models_dir: str, pose_model: str, pose_runtime: str, pose_threads: int) -> PoseEngine:
    return PoseEngine(
        Settings(models_dir=models_dir, pose_model=pose_model, pose_runtime=pose_runtime, pose_threads=pose_threads)
    )


def get_engine(settings: Settings) -> PoseEngine:
    """The process-wide engine for these settings: interpreters are loaded once and reused."""
    return _cached_engine(settings.models_dir, settings.pose_model, settings.pose_runtime, settings.pose_threads)
