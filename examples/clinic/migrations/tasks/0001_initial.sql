-- migrate:up
CREATE TABLE tasks_task (
    id INTEGER PRIMARY KEY,
    title VARCHAR(200) NOT NULL,
    done BOOLEAN NOT NULL DEFAULT FALSE
);

-- migrate:down
DROP TABLE tasks_task;
