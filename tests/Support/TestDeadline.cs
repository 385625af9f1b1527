namespace Concorde.Tests.Support;

/// <summary>A 60 s deadline for one test, so a hang fails the test instead of the whole run.</summary>
public static class TestDeadline
{
    public static CancellationToken Start(out CancellationTokenSource source)
    {
        source = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        return source.Token;
    }
}
