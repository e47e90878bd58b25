from django.urls import path

from ciasom.broadcasts import thumbnails, views

urlpatterns = [
    path("", views.home, name="home"),
    path("watch/<int:pk>", views.watch, name="watch"),
    path("media/thumbnails/<int:pk>.jpg", thumbnails.thumbnail, name="thumbnail"),
    path("broadcasts/", views.mine, name="broadcasts"),
    path("broadcasts/new/", views.create, name="broadcast_new"),
    path("broadcasts/<int:pk>/", views.edit, name="broadcast"),
    path("broadcasts/<int:pk>/end/", views.end, name="broadcast_end"),
    path("broadcasts/<int:pk>/delete/", views.delete, name="broadcast_delete"),
]
