from django.urls import path

from ciasom.faces import views

urlpatterns = [
    path("people/", views.people, name="people"),
    path("people/<int:pk>/", views.person, name="person"),
    path("people/<int:pk>/upload/", views.upload, name="person_upload"),
    path("people/<int:pk>/delete/", views.delete_person, name="person_delete"),
    path("people/<int:pk>/photos/<int:photo_pk>/delete/", views.delete_photo, name="photo_delete"),
    path(
        "people/<int:pk>/photos/<int:photo_pk>/face/",
        views.choose_photo_face,
        name="photo_choose_face",
    ),
]
