-- Coordination rooms of large incidents (issue 13): each relay message carries the TLP
-- marking its author chose (what members may pass on outside the room), and members link
-- their own incident cases to the room. Links are only added while the room is open (the
-- service checks it in the same transaction as the insert).
ALTER TABLE coordination_messages ADD COLUMN tlp TEXT NOT NULL DEFAULT 'TLP:AMBER';

CREATE TABLE coordination_cases (
    room_id   TEXT NOT NULL REFERENCES coordination_rooms(id),
    case_id   TEXT NOT NULL REFERENCES incidents(id),
    org_id    TEXT NOT NULL REFERENCES organisations(id),
    linked_by TEXT NOT NULL,
    linked_at BIGINT NOT NULL,
    PRIMARY KEY (room_id, case_id)
);
CREATE INDEX coordination_cases_case ON coordination_cases(case_id);
