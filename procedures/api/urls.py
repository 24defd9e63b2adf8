from django.urls import path

from procedures.api import views

urlpatterns = [
    path("procedure-types/", views.ProcedureTypeList.as_view(), name="procedure-type-list"),
    path("drugs/", views.DrugList.as_view(), name="drug-list"),
    path("patients/<int:pk>/history/", views.PatientHistoryList.as_view(), name="patient-history"),
    path(
        "patients/<int:pk>/history/<int:entry_id>/",
        views.PatientHistoryEntry.as_view(),
        name="patient-history-entry",
    ),
    path(
        "patients/<int:pk>/psych-evaluations/",
        views.PatientPsychEvaluationList.as_view(),
        name="patient-psych-evaluations",
    ),
]
