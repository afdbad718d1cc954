"""The model history lives in :mod:`faceapp.model_history` (torch-free, shared with the GUI)."""

from faceapp.model_history import (
    HISTORY,
    REPORT_SUFFIX,
    activate_model,
    active_name,
    load_history,
    load_report,
    record,
    rollback,
    rollback_target,
    save_report,
)

__all__ = ["HISTORY", "REPORT_SUFFIX", "activate_model", "active_name", "load_history", "load_report", "record",
           "rollback", "rollback_target", "save_report"]
