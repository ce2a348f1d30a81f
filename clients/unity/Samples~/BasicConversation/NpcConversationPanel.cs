using System.Collections.Generic;
using Npc.Client;
using Npc.Unity;
using UnityEngine;

/// <summary>
/// An on-screen panel for an NpcCharacter: type to talk, see what was heard and said, and
/// settle the character's actions with a button (a real game would execute them instead).
/// </summary>
public sealed class NpcConversationPanel : MonoBehaviour
{
    public NpcCharacter character;

    readonly List<string> log = new List<string>();
    readonly List<ActionCall> openActions = new List<ActionCall>();
    string typed = "";
    string reply = "";
    string partial = "";
    string status = "connecting...";
    Vector2 scroll;

    void OnEnable()
    {
        if (character == null) character = GetComponent<NpcCharacter>();
        if (character == null)
        {
            Debug.LogError("NpcConversationPanel: drag an NPC Character into its Character field (or put both on one GameObject)", this);
            enabled = false;
            return;
        }
        character.onConnected.AddListener(OnConnected);
        character.onConnectionLost.AddListener(OnConnectionLost);
        character.onTranscript.AddListener(OnTranscript);
        character.onReplyText.AddListener(OnReplyText);
        character.onTurnEnd.AddListener(OnTurnEnd);
        character.onAction.AddListener(OnAction);
        character.onEmotion.AddListener(OnEmotion);
        character.onError.AddListener(OnError);
    }

    void OnDisable()
    {
        if (character == null) return;
        character.onConnected.RemoveListener(OnConnected);
        character.onConnectionLost.RemoveListener(OnConnectionLost);
        character.onTranscript.RemoveListener(OnTranscript);
        character.onReplyText.RemoveListener(OnReplyText);
        character.onTurnEnd.RemoveListener(OnTurnEnd);
        character.onAction.RemoveListener(OnAction);
        character.onEmotion.RemoveListener(OnEmotion);
        character.onError.RemoveListener(OnError);
    }

    void OnConnected(string name)
    {
        status = "talking to " + name;
        openActions.Clear(); // a new session cannot take results for the old one's actions
        Add("-- new session with " + name + " --");
    }

    void OnConnectionLost(string why) { status = "connection lost: " + why; }

    void OnTranscript(string text, bool final)
    {
        partial = final ? "" : text;
        if (final && text.Length > 0) Add("you: " + text);
    }

    void OnReplyText(string piece) { reply += piece; }

    void OnTurnEnd()
    {
        if (reply.Length > 0) Add(character.characterId + ": " + reply);
        reply = "";
    }

    void OnAction(ActionCall action)
    {
        openActions.Add(action);
        Add("action " + action.Name + " " + action.ArgsJson);
    }

    void OnEmotion(string emotion, float intensity) { Add("(" + emotion + " " + intensity.ToString("0.00") + ")"); }

    void OnError(string error) { Add("error: " + error); }

    void Add(string line)
    {
        log.Add(line);
        scroll.y = float.MaxValue;
    }

    void OnGUI()
    {
        GUILayout.BeginArea(new Rect(10, 10, 460, Screen.height - 20), GUI.skin.box);
        GUILayout.Label(status);
        scroll = GUILayout.BeginScrollView(scroll, GUILayout.Height(Screen.height * 0.5f));
        foreach (var line in log) GUILayout.Label(line);
        if (partial.Length > 0) GUILayout.Label("you (speaking): " + partial);
        if (reply.Length > 0) GUILayout.Label(character.characterId + ": " + reply);
        GUILayout.EndScrollView();

        GUILayout.BeginHorizontal();
        typed = GUILayout.TextField(typed, 2000, GUILayout.Width(300));
        var enter = Event.current.type == EventType.KeyDown && Event.current.keyCode == KeyCode.Return;
        if ((GUILayout.Button("Say") || enter) && typed.Trim().Length > 0)
        {
            character.Say(typed);
            Add("you: " + typed);
            typed = "";
        }
        if (GUILayout.Button("Interrupt")) character.Interrupt();
        GUILayout.EndHorizontal();

        var mic = GUILayout.Toggle(character.streamMicrophone, "microphone");
        if (mic != character.streamMicrophone) character.SetMicrophone(mic);

        foreach (var action in openActions.ToArray())
        {
            GUILayout.BeginHorizontal();
            GUILayout.Label(action.Name + "(" + action.Arg("item", action.ArgsJson) + ")", GUILayout.Width(250));
            if (GUILayout.Button("Done")) Settle(action, true);
            if (GUILayout.Button("Failed")) Settle(action, false);
            GUILayout.EndHorizontal();
        }
        GUILayout.EndArea();
    }

    void Settle(ActionCall action, bool ok)
    {
        openActions.Remove(action);
        var sent = character.ReportActionResult(action.ActionId, ok, ok ? "" : "could not do it");
        Add((sent ? "reported " : "could not report ") + action.Name + (ok ? " done" : " failed"));
    }
}
