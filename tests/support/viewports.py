"""The screen sizes the page is tested at."""

LAPTOP = {"width": 1366, "height": 860}
PHONE = {"width": 390, "height": 844}
