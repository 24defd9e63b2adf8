from django.urls import path

from scheduling.api import medications, patients, reminders, views, waitlist, workflow

urlpatterns = [
    path("waitlist/", waitlist.WaitlistList.as_view(), name="waitlist-list"),
    path("waitlist/<int:pk>/", waitlist.WaitlistDetail.as_view(), name="waitlist-detail"),
    path("freed-slots/", waitlist.FreedSlotList.as_view(), name="freed-slot-list"),
    path("freed-slots/<int:pk>/book/", waitlist.FreedSlotBook.as_view(), name="freed-slot-book"),
    path("freed-slots/<int:pk>/offer/", waitlist.FreedSlotOffer.as_view(), name="freed-slot-offer"),
    path(
        "freed-slots/<int:pk>/decline/",
        waitlist.FreedSlotDecline.as_view(),
        name="freed-slot-decline",
    ),
    path("worklist/", workflow.Worklist.as_view(), name="worklist"),
    path(
        "appointments/<int:pk>/checklist/",
        workflow.AppointmentChecklist.as_view(),
        name="appointment-checklist",
    ),
    path(
        "appointments/<int:pk>/checklist/<int:item_id>/",
        workflow.AppointmentChecklistItem.as_view(),
        name="appointment-checklist-item",
    ),
    path(
        "patients/<int:pk>/prior-authorizations/",
        workflow.PatientAuthorizations.as_view(),
        name="patient-authorizations",
    ),
    path("prior-authorizations/", workflow.AuthorizationList.as_view(), name="authorization-list"),
    path(
        "prior-authorizations/<int:pk>/",
        workflow.AuthorizationDetail.as_view(),
        name="authorization-detail",
    ),
    path(
        "patients/<int:pk>/medications/",
        medications.PatientMedicationList.as_view(),
        name="patient-medications",
    ),
    path(
        "patients/<int:pk>/medications/<int:medication_id>/",
        medications.PatientMedicationDetail.as_view(),
        name="patient-medication-detail",
    ),
    path("reminders/", reminders.ReminderList.as_view(), name="reminder-list"),
    path(
        "appointments/<int:pk>/reminders/",
        reminders.AppointmentReminders.as_view(),
        name="appointment-reminders",
    ),
    path(
        "patients/<int:pk>/eligibility/",
        patients.PatientEligibility.as_view(),
        name="patient-eligibility",
    ),
    path(
        "patients/<int:pk>/pathways/", patients.PatientPathways.as_view(), name="patient-pathways"
    ),
    path(
        "appointments/<int:pk>/outcome/",
        views.AppointmentOutcome.as_view(),
        name="appointment-outcome",
    ),
    path(
        "appointments/<int:pk>/follow-ups/",
        views.AppointmentFollowUps.as_view(),
        name="appointment-follow-ups",
    ),
    path("slots/", views.SlotSearch.as_view(), name="slot-search"),
    path("appointments/", views.AppointmentListCreate.as_view(), name="appointment-list"),
    path("appointments/<int:pk>/", views.AppointmentDetail.as_view(), name="appointment-detail"),
    path(
        "appointments/<int:pk>/reschedule/",
        views.AppointmentReschedule.as_view(),
        name="appointment-reschedule",
    ),
    path(
        "appointments/<int:pk>/cancel/",
        views.AppointmentCancel.as_view(),
        name="appointment-cancel",
    ),
    path(
        "appointments/<int:pk>/check-in/",
        views.AppointmentCheckIn.as_view(),
        name="appointment-check-in",
    ),
    path(
        "appointments/<int:pk>/complete/",
        views.AppointmentComplete.as_view(),
        name="appointment-complete",
    ),
    path(
        "appointments/<int:pk>/no-show/",
        views.AppointmentNoShow.as_view(),
        name="appointment-no-show",
    ),
]
