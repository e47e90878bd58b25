from django.urls import path

from . import views

urlpatterns = [
    path("whip/<int:pk>", views.whip, name="whip"),
    path("whip/<int:pk>/<str:session>", views.whip_session, name="whip_session"),
    path("whep/<int:pk>", views.whep, name="whep"),
    path("whep/<int:pk>/<str:session>", views.whep_session, name="whep_session"),
    path("live/<int:pk>/status", views.status, name="live_status"),
]
