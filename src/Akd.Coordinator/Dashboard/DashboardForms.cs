namespace Akd.Coordinator.Dashboard;

/// <summary>Names of the dashboard's form fields.</summary>
internal static class DashboardForms
{
    public const string CsrfField = "csrf";
    public const string TokenField = "token";
}
