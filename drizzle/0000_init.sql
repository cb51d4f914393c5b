CREATE TABLE `active_domain_registry` (
	`id` text PRIMARY KEY NOT NULL,
	`domain_name` text NOT NULL,
	`status` text NOT NULL,
	`tick_count` integer DEFAULT 0 NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL,
	`activated_at` integer,
	`updated_at` integer NOT NULL,
	`run_id` text,
	CONSTRAINT "active_domain_registry_domain_name_length" CHECK(length("active_domain_registry"."domain_name") <= 100)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `active_domain_registry_domain_name_unique` ON `active_domain_registry` (`domain_name`);--> statement-breakpoint
CREATE TABLE `domain_activation_history` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`run_id` text,
	`domain_name` text NOT NULL,
	`event` text NOT NULL,
	`tick_count` integer NOT NULL,
	`occurred_at` integer NOT NULL,
	`metadata` text DEFAULT '{}' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `domain_activation_history_domain_name_id_idx` ON `domain_activation_history` (`domain_name`,`id`);--> statement-breakpoint
CREATE TABLE `runtime_runs` (
	`run_id` text PRIMARY KEY NOT NULL,
	`started_at` integer NOT NULL,
	`stopped_at` integer,
	`stop_reason` text,
	`tick_interval_ms` integer,
	`version` text NOT NULL
);
