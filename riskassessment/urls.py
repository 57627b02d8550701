app_name = "riskassessment"
urlpatterns = []
