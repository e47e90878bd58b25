from django.contrib.auth import views as auth_views
from django.urls import path

from ciasom.accounts import views

urlpatterns = [
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("me/", views.me, name="me"),
    path("me/stream-key/", views.regenerate_stream_key, name="regenerate_stream_key"),
    path("me/delete/", views.delete, name="delete_account"),
]
