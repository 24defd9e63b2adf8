from django.urls import path

from scheduling import views

urlpatterns = [
    path("", views.home, name="home"),
    # Not the admin's login: it admits staff accounts only, and only managers are staff.
    path("login/", views.SignIn.as_view(), name="login"),
    path("logout/", views.SignOut.as_view(), name="logout"),
]
