from django.urls import path

from clinic.api import audit, views

urlpatterns = [
    path("patients/", views.PatientListCreate.as_view(), name="patient-list"),
    path("patients/<int:pk>/", views.PatientDetail.as_view(), name="patient-detail"),
    path("providers/", views.ProviderListCreate.as_view(), name="provider-list"),
    path("rooms/", views.RoomListCreate.as_view(), name="room-list"),
    path("equipment/", views.EquipmentListCreate.as_view(), name="equipment-list"),
    path("audit/", audit.AuditList.as_view(), name="audit-list"),
]
