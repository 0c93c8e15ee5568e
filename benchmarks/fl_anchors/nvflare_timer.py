"""Server-side NVFlare widget that writes the benchmark's server events.

Why a widget: the stock ``FedAvg`` controller fires ``ROUND_STARTED`` just before it sends the
round's task, and ``BEFORE_AGGREGATION`` / ``AFTER_AGGREGATION`` around the final aggregation;
listening to them adds no code to the measured path beyond one file append per event. Runs
inside NVFlare's server process (nvflare venv only).
"""

from __future__ import annotations

from events import emit
from nvflare.apis.event_type import EventType
from nvflare.apis.fl_context import FLContext
from nvflare.app_common.app_constant import AppConstants
from nvflare.app_common.app_event_type import AppEventType
from nvflare.widgets.widget import Widget

_NAMES = {
    AppEventType.ROUND_STARTED: "round_start",
    AppEventType.BEFORE_AGGREGATION: "aggregation_start",
    AppEventType.AFTER_AGGREGATION: "round_end",
}


class BenchRoundTimer(Widget):
    """Emit round_start / aggregation_start / round_end with 1-based round numbers."""

    def handle_event(self, event_type: str, fl_ctx: FLContext) -> None:
        name = _NAMES.get(event_type)
        if name is None:
            if event_type == EventType.START_RUN:
                emit("server_ready")
            return
        current = fl_ctx.get_prop(AppConstants.CURRENT_ROUND)
        emit(name, round=int(current) + 1 if current is not None else -1)
