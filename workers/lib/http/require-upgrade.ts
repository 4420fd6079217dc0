import type { MiddlewareHandler } from "hono";
import type { AppEnv } from "../app/app-env";
import { HttpProblem } from "../problems/http-problem";

/** 426 for a plain GET on a socket path: checked before anything else, so a browser tab opening one is told what it is. */
export const requireUpgrade: MiddlewareHandler<AppEnv> = async (c, next) => {
	if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
		throw new HttpProblem(426, "upgrade_required", "Connect with a WebSocket upgrade.", {}, { Upgrade: "websocket" });
	}
	await next();
};
