from celery import shared_task

from campaigns.sweeps import enrollments_complete_due, nurture_reenroll_due


@shared_task
def sweep() -> dict:
    """Daily-ish housekeeping beat runs hourly: enroll nurture patients whose date came,
    and complete enrollments whose sequence ran out without a decision."""
    return {"renewed": nurture_reenroll_due(), "completed": enrollments_complete_due()}
