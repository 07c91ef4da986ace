"""Garment views: recipes over BlazePose keypoints, the boxes they give (geometry), their pixels (render) and a
debug overlay."""
