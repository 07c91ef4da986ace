"""PoseCraft: garment views cut from a photo of a person, around the body keypoints found by BlazePose."""
