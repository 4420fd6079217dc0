// When a transcoder container has nothing left to do: pure, so it is tested
// without a container runtime (the local runtime has none).

/** A VOD job, or a live stream's generation: each instance holds one of either. */
const JOB_PATH = /^\/(jobs|live)\/[A-Za-z0-9][A-Za-z0-9-]{0,63}$/;

/** A DELETE of the job (or live stream) that answered 2xx or 404 (already gone): the instance may stop. */
export function endsTheJob(request: Request, status: number): boolean {
	return request.method === "DELETE" && JOB_PATH.test(new URL(request.url).pathname) && ((status >= 200 && status < 300) || status === 404);
}
