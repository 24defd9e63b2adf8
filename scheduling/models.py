"""When and where: working hours, closures, appointments and their reminders."""
