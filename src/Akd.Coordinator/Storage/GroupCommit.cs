namespace Akd.Coordinator.Storage;

/// <summary>
/// Many callers' rows written together (group commit): an item added while no write is in flight starts one; items
/// added meanwhile queue and go together in the next, up to <paramref name="batchMax"/> a write. A burst of 5,000 is a
/// handful of statements, and no item waits for a timer. One write at a time, in the order added.
/// A batch the store refused (<paramref name="rejectsRows"/>: it answered, and said no to what was written) is written
/// again one item at a time, in order, so one bad row fails its own caller only, never the many queued with it. A
/// store that could not be reached fails the batch's callers at once: retrying each row would only wait on it n times.
/// </summary>
/// <param name="write">Writes a batch, all or none.</param>
/// <param name="rejectsRows">True when what <paramref name="write"/> threw is the store refusing the rows (not failing to reach it).</param>
internal sealed class GroupCommit<T>(Func<IReadOnlyList<T>, CancellationToken, Task> write, int batchMax, Func<Exception, bool>? rejectsRows = null)
{
    private readonly object _gate = new();
    private readonly Queue<(T Item, TaskCompletionSource Written)> _queue = new();
    private bool _writing;

    /// <summary>
    /// Queues <paramref name="item"/> now (its place in the order is taken before this returns) and completes when it is
    /// written, or faults with the error of its write. Cancelling the wait does not take the item back.
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

        return ct.CanBeCanceled ? written.Task.WaitAsync(ct) : written.Task;
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
            catch (Exception ex) when (batch.Count > 1 && rejectsRows?.Invoke(ex) == true)
            {
                await WriteEachAsync(batch).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Each caller decides what an unwritten item means (a routed step fails, an agent resends its result, ...).
                batch.ForEach(b => b.Written.TrySetException(ex));
            }
        }
    }

    /// <summary>The items of a refused batch, each in a write of its own and in order: only a row the store refuses alone fails.</summary>
    private async Task WriteEachAsync(List<(T Item, TaskCompletionSource Written)> batch)
    {
        for (var i = 0; i < batch.Count; i++)
        {
            try
            {
                await write([batch[i].Item], CancellationToken.None).ConfigureAwait(false);
                batch[i].Written.TrySetResult();
            }
            catch (Exception ex) when (rejectsRows!(ex))
            {
                batch[i].Written.TrySetException(ex);
            }
            catch (Exception ex)
            {
                // The store went away meanwhile: the rest fail with it rather than wait on it one by one.
                foreach (var rest in batch.Skip(i))
                {
                    rest.Written.TrySetException(ex);
                }

                return;
            }
        }
    }
}
