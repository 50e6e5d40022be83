namespace Akd.Coordinator.Storage;

/// <summary>
/// Many callers' rows written together (group commit): an item added while no write is in flight starts one; items
/// added meanwhile queue and go together in the next, up to <paramref name="batchMax"/> a write. A burst of 5,000 is a
/// handful of statements, and no item waits for a timer. One write at a time, in the order added.
/// </summary>
/// <param name="write">Writes a batch, all or none; what it throws, every item of the batch throws.</param>
internal sealed class GroupCommit<T>(Func<IReadOnlyList<T>, CancellationToken, Task> write, int batchMax)
{
    private readonly object _gate = new();
    private readonly Queue<(T Item, TaskCompletionSource Written)> _queue = new();
    private bool _writing;

    /// <summary>
    /// Queues <paramref name="item"/> now (its place in the order is taken before this returns) and completes when it is
    /// written, or faults with the write's error. Cancelling the wait does not take the item back.
    /// </summary>
    public Task AddAsync(T item, CancellationToken ct)
    {
        var written = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        bool start;
        lock (_gate)
        {
            _queue.Enqueue((item, written));
            start = !_writing;
            _writing = true;
        }

        if (start)
        {
            _ = Task.Run(WriteAllAsync, CancellationToken.None);
        }

        return written.Task.WaitAsync(ct);
    }

    private async Task WriteAllAsync()
    {
        while (true)
        {
            List<(T Item, TaskCompletionSource Written)> batch;
            lock (_gate)
            {
                if (_queue.Count == 0)
                {
                    _writing = false;
                    return;
                }

                batch = new(Math.Min(_queue.Count, batchMax));
                while (batch.Count < batchMax && _queue.TryDequeue(out var next))
                {
                    batch.Add(next);
                }
            }

            try
            {
                // Not cancellable: callers already count on these items being written (a routed cancel follows its step).
                await write(batch.ConvertAll(b => b.Item), CancellationToken.None).ConfigureAwait(false);
                batch.ForEach(b => b.Written.TrySetResult());
            }
            catch (Exception ex)
            {
                // Each caller decides what an unwritten item means (a routed step fails, an agent resends its result, ...).
                batch.ForEach(b => b.Written.TrySetException(ex));
            }
        }
    }
}
