// Every fleet test starts a coordinator, agents and BEAMs: on a 2-core machine they run one at a time.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
