from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.archive, name="archive"),
    path("<int:pk>/", views.detail, name="detail"),
]
