using System.Diagnostics;

namespace BillingFunctions.Bench.Reporting;

/// <summary>
/// Progress on long runs, on stderr so stdout stays a clean report: one line rewritten in place on a terminal,
/// a plain line every few seconds when redirected (CI logs).
/// </summary>
internal sealed class ProgressLine
{
    private readonly bool _terminal = !Console.IsErrorRedirected;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();
    private readonly object _gate = new();
    private bool _open;
    private string _last = "";

    public void Stage(string text)
    {
        lock (_gate)
        {
            EndLine();
            Console.Error.WriteLine($"» {text}");
            _sinceLast.Restart();
        }
    }

    public void Report(string stage, long done, long total)
    {
        lock (_gate)
        {
            var interval = _terminal ? 200 : 5000;
            if (_sinceLast.ElapsedMilliseconds < interval && done < total)
                return;
            var percent = total == 0 ? 100 : done * 100 / total;
            var text = $"  {stage}: {done:N0} / {total:N0} ({percent}%)";
            if (text == _last)
                return;
            _last = text;
            _sinceLast.Restart();
            if (_terminal)
            {
                Console.Error.Write($"\r{text,-78}");
                _open = true;
            }
            else
                Console.Error.WriteLine(text);
        }
    }

    public void Done()
    {
        lock (_gate)
            EndLine();
    }

    private void EndLine()
    {
        if (!_open)
            return;
        Console.Error.WriteLine();
        _open = false;
    }
}
