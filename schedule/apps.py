from django.apps import AppConfig


class ScheduleConfig(AppConfig):
    name = "schedule"
    verbose_name = "Schedule: appointments synced from the practice system"

    def ready(self):
        # A merge moves the patient's appointments; the contact page shows them (contacts
        # cannot import schedule, so schedule tells it).
        from contacts.history import history_source_register
        from schedule.history import appointments_merge, appointments_timeline

        history_source_register("schedule", move=appointments_merge, timeline=appointments_timeline)
