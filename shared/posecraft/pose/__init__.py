"""BlazePose on a TFLite runtime: `engine.get_engine(settings).estimate(image)` -> keypoints of the most
prominent person. Nothing is imported here, so `python -m posecraft.pose.models install` runs without numpy or
a runtime (the worker image installs the models in a stage that has neither)."""
