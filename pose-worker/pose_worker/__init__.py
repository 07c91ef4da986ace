"""The pose worker: consumes image jobs from the queue and records each image's views or failure."""
