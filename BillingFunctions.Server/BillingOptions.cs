using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace BillingFunctions.Server;

/// <summary>The <c>Billing</c> configuration section (env vars: <c>Billing__DataDirectory</c> and so on).</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>Where the SQLite file lives. One server process owns it at a time (the lock file <c>billing.lock</c>).</summary>
    public string DataDirectory { get; set; } = "data";

    /// <summary>
    /// How long a starting server waits for another process to release the data directory before it gives up. 0: it
    /// exits at once. A rolling restart sets it so the new process takes over the moment the old one has drained.
    /// </summary>
    [Range(0, 24 * 3600)]
    public int DataDirectoryLockWaitSeconds { get; set; }

    /// <summary>
    /// On SIGTERM, how long at most new requests are answered 503 <c>shutting-down</c> while clients move away, before
    /// the listener closes; see <c>Hosting/ShutdownDrain</c>. Counts against the host's 30 s shutdown timeout.
    /// </summary>
    [Range(0, 25)] // the host stops waiting at 30 s
    public int ShutdownDrainSeconds { get; set; } = 5;

    /// <summary>Cut-off URL for accounts that have none of their own. Trusted: set by the operator.</summary>
    public string? CutoffUrl { get; set; }

    /// <summary>HMAC-SHA256 key for webhook signatures; without one, webhooks go out unsigned (logged at start).</summary>
    public string? WebhookSecret { get; set; }

    /// <summary>Hosts a per-account cut-off URL may point at. Empty: per-account URLs are refused.</summary>
    public List<string> AllowedCallbackHosts { get; set; } = [];

    /// <summary>
    /// Host names that may also resolve to private or loopback addresses (and are allowed as callback hosts).
    /// A name only in <see cref="AllowedCallbackHosts"/> is connected to only at public addresses.
    /// </summary>
    public List<string> AllowedPrivateCallbackHosts { get; set; } = [];

    /// <summary>When set, every request must carry it in <c>X-Api-Key</c>.</summary>
    public string? ApiKey { get; set; }

    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "{0} must be a three-letter upper-case code such as USD.")]
    public string DefaultCurrency { get; set; } = "USD";

    /// <summary>Holds without <c>expiresInSeconds</c> expire after this long, so no reservation is forgotten forever.</summary>
    [Range(1, 365 * 24 * 3600)] // what a request's expiresInSeconds may be
    public int DefaultHoldExpirySeconds { get; set; } = 7 * 24 * 3600;

    /// <summary>
    /// How long the answer to an operation id or transfer id is replayed (from when it was first given); after that the
    /// same id is a new request. The same setting and default as the Azure Functions app.
    /// </summary>
    [Range(1, Core.Identity.IdempotencyRetention.MaxHours)]
    public int IdempotencyRetentionHours { get; set; } = Core.Identity.IdempotencyRetention.DefaultHours;

    [Range(1024, 64 * 1024 * 1024)]
    public int MaxRequestBodyBytes { get; set; } = 64 * 1024;

    /// <summary>Writes waiting for the writer beyond this are answered 503 with Retry-After.</summary>
    [Range(1, 10_000_000)]
    public int MaxPendingWrites { get; set; } = 100_000;

    [Range(1, 100_000)]
    public int MaxBatchSize { get; set; } = 4096;

    /// <summary>Flush the commit log (fsync) for every batch before it is acknowledged. Turning it off keeps process-crash safety but not power-loss safety.</summary>
    public bool SynchronousCommit { get; set; } = true;

    /// <summary>Where the commit log lives; empty: <c>log</c> inside <see cref="DataDirectory"/>. Put it on its own disk to keep log flushes apart from SQLite's writes.</summary>
    public string? LogDirectory { get; set; }

    /// <summary>Acknowledged writes the database may lag behind the commit log by; beyond it writes are answered 503 with Retry-After until it catches up.</summary>
    [Range(1, 10_000_000)]
    public int MaxUnprojectedWrites { get; set; } = (int)Engine.BillingEngine.DefaultMaxUnprojectedWrites;

    /// <summary>How long a commit waits for a lock held by another process (a backup, an operator's sqlite3) before failing with 503.</summary>
    [Range(0, 3600)]
    public int StorageBusyTimeoutSeconds { get; set; } = 5;

    [ValidateObjectMembers]
    public WebhookOptions Webhook { get; set; } = new();

    [ValidateObjectMembers]
    public Queues.QueueOptions Queues { get; set; } = new();

    /// <summary>A built-in receiver at <c>/dev/cutoffs</c> that records cut-off calls; the default target when no URL is configured.</summary>
    public bool DevReceiver { get; set; }

    /// <summary>How write requests are read on this host: the same rules as the Azure Functions app's.</summary>
    public WriteRules WriteRules => new(DefaultCurrency, DefaultHoldExpirySeconds, AllowedCallbackHosts, AllowedPrivateCallbackHosts);
}

public sealed class WebhookOptions
{
    [Range(1, 300)]
    public int TimeoutSeconds { get; set; } = 5;
    [Range(1, 10_000)] // 0 would let no delivery through at all
    public int MaxConcurrentDeliveries { get; set; } = 256;
    // The retry schedule (Cutoffs/CutoffRetrySchedule): the first wait, the longest wait, and the horizon after which a
    // failed attempt is the last. The defaults are the Azure app's too.
    [Range(1, 3600 * 1000)]
    public int InitialBackoffMilliseconds { get; set; } = CutoffRetryDefaults.InitialDelayMilliseconds;
    [Range(1, 24 * 3600)]
    public int MaxBackoffSeconds { get; set; } = CutoffRetryDefaults.MaxDelaySeconds;
    [Range(1, 30 * 24 * 3600)]
    public int GiveUpAfterSeconds { get; set; } = CutoffRetryDefaults.GiveUpAfterSeconds;
}
