// Surface of Azure.Data.Tables. Azure.Core types (ETag, Response, NullableResponse, AsyncPageable, TokenCredential) are real. See SOURCES.md.
using Azure;
using Azure.Core;
using AzureReferenceSurface;

namespace Azure.Data.Tables
{
    public interface ITableEntity
    {
        string PartitionKey { get; set; }

        string RowKey { get; set; }

        DateTimeOffset? Timestamp { get; set; }

        ETag ETag { get; set; }
    }

    public enum TableUpdateMode
    {
        Merge = 0,
        Replace = 1,
    }

    public class TableClient
    {
        public TableClient(string connectionString, string tableName) => throw CompileOnly.Unavailable();

        public TableClient(Uri endpoint, string tableName, TokenCredential tokenCredential) => throw CompileOnly.Unavailable();

        public static string CreateQueryFilter(FormattableString filter) => throw CompileOnly.Unavailable();

        public virtual Task<Response<Models.TableItem>> CreateIfNotExistsAsync(CancellationToken cancellationToken = default) =>
            throw CompileOnly.Unavailable();

        public virtual Task<NullableResponse<T>> GetEntityIfExistsAsync<T>(string partitionKey, string rowKey, IEnumerable<string>? select = null,
            CancellationToken cancellationToken = default) where T : class, ITableEntity => throw CompileOnly.Unavailable();

        public virtual Task<Response> AddEntityAsync<T>(T entity, CancellationToken cancellationToken = default) where T : ITableEntity =>
            throw CompileOnly.Unavailable();

        public virtual Task<Response> UpsertEntityAsync<T>(T entity, TableUpdateMode mode = TableUpdateMode.Merge,
            CancellationToken cancellationToken = default) where T : ITableEntity => throw CompileOnly.Unavailable();

        public virtual Task<Response> UpdateEntityAsync<T>(T entity, ETag ifMatch, TableUpdateMode mode = TableUpdateMode.Merge,
            CancellationToken cancellationToken = default) where T : ITableEntity => throw CompileOnly.Unavailable();

        public virtual AsyncPageable<T> QueryAsync<T>(string? filter = null, int? maxPerPage = null, IEnumerable<string>? select = null,
            CancellationToken cancellationToken = default) where T : class, ITableEntity => throw CompileOnly.Unavailable();
    }
}

namespace Azure.Data.Tables.Models
{
    public sealed class TableItem
    {
        private TableItem() => throw CompileOnly.Unavailable();
    }
}
