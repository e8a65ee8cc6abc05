"""``agent record``: capture a replayable bundle from the live backends around one alert."""

from .recorder import RecordOptions, RecordSummary, record_bundle

__all__ = ["RecordOptions", "RecordSummary", "record_bundle"]
