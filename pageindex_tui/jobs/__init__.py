"""Between the front ends and the engine: the job service (queue, reuse, filing), ask's filing rule, the
batch meter."""
