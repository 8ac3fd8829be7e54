from django.apps import AppConfig


class ScoreboardConfig(AppConfig):
    name = "scoreboard"
    verbose_name = "Scoreboard: decisions and rates"

    def ready(self):
        # reactivate cannot import the scoreboard (DESIGN §3): a new time zone reaches the
        # rebuild of the practice's figures through this registration.
        from reactivate.practice_changes import time_zone_changed_register
        from scoreboard.tasks import scoreboard_rebuild_queue

        time_zone_changed_register("scoreboard", scoreboard_rebuild_queue)
