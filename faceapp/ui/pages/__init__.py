"""The main window's pages (Live now; People, Attendance and Settings to come)."""
