// Prometheus text exposition for the few numbers an operator needs.
export class Metrics {
	running = 0;
	done = 0;
	failed = 0;
	rejectedBusy = 0;
	secondsSpent = 0;

	render(): string {
		return [
			"# HELP transcoder_jobs_running Jobs in progress on this instance.",
			"# TYPE transcoder_jobs_running gauge",
			`transcoder_jobs_running ${this.running}`,
			"# HELP transcoder_jobs_total Jobs finished on this instance, by outcome.",
			"# TYPE transcoder_jobs_total counter",
			`transcoder_jobs_total{outcome="done"} ${this.done}`,
			`transcoder_jobs_total{outcome="failed"} ${this.failed}`,
			`transcoder_jobs_total{outcome="rejected_busy"} ${this.rejectedBusy}`,
			"# HELP transcoder_job_seconds_total Wall-clock seconds spent in jobs.",
			"# TYPE transcoder_job_seconds_total counter",
			`transcoder_job_seconds_total ${this.secondsSpent.toFixed(3)}`,
			"",
		].join("\n");
	}
}
